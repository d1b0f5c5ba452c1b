//! Another tool's rows judged against the embedded files: which migrations the tool applied,
//! when, and for how long, or why that history cannot be adopted. Nothing is recorded here; the
//! result ([`Adoption`]) is recorded whole or not at all.

use super::import::Import;
use crate::backend::AppliedRow;
use crate::engine::other_tools::OtherTool;
use crate::tracking::other::Value;
use crate::tracking::state::Status;
use crate::{MigrateError, Migration, Migrator};
use std::collections::{HashMap, HashSet};

/// One migration to record as another tool's.
#[derive(Debug, Clone)]
pub(crate) struct Adopt {
    pub m: &'static Migration,
    /// `Applied`, or `Baseline` for one a baseline of the other tool covers.
    pub status: Status,
    /// When the tool applied it, as UTC text, when its table says.
    pub at: Option<String>,
    pub duration_ms: Option<i64>,
}

/// Another tool's history, checked against the embedded set.
#[derive(Debug, Clone)]
pub(crate) struct Adoption {
    pub tool: OtherTool,
    pub table: String,
    /// In apply order.
    pub rows: Vec<Adopt>,
    /// Rows left out, described: Flyway's repeatable migrations, versions this set lacks
    /// under `ignore_missing()`.
    pub skipped: Vec<String>,
}

/// The judging of one table's rows.
pub(super) struct Judge<'a, 'm> {
    pub migrator: &'a Migrator<'m>,
    pub tool: OtherTool,
    pub table: &'a str,
    pub rows: Vec<Adopt>,
    pub skipped: Vec<String>,
    seen: HashSet<i64>,
    /// The embedded migrations by version.
    files: HashMap<i64, &'static Migration>,
    /// Whether a row that names no file of this set, or a file whose content differs, is
    /// skipped rather than refused: to tell whether a history is this set's at all.
    lenient: bool,
}

impl<'a, 'm> Judge<'a, 'm> {
    pub(super) fn new(migrator: &'a Migrator<'m>, import: &'a Import, lenient: bool) -> Self {
        Judge {
            migrator,
            tool: import.tool,
            table: &import.table,
            rows: Vec::new(),
            skipped: Vec::new(),
            seen: HashSet::new(),
            files: migrator
                .migrations
                .applying()
                .map(|m| (m.version, m))
                .collect(),
            lenient,
        }
    }

    /// The embedded migration of `version`.
    pub(super) fn file(&self, version: i64) -> Option<&'static Migration> {
        self.files.get(&version).copied()
    }

    /// A recorded version this set lacks: skipped under `ignore_missing()`, refused otherwise.
    pub(super) fn missing(&mut self, version: i64, what: &str) -> Result<(), MigrateError> {
        if self.migrator.ignore_missing || self.lenient {
            self.skipped
                .push(format!("version {version} ({what}): not in this set"));
            return Ok(());
        }
        Err(MigrateError::MissingMigration {
            module: self.migrator.module.clone(),
            version,
            description: format!("{what}, applied by {} in `{}`", self.tool, self.table),
        })
    }

    /// Records `m` as the tool's, once.
    pub(super) fn adopt(
        &mut self,
        m: &'static Migration,
        status: Status,
        at: &Value,
        duration_ms: Option<i64>,
    ) {
        if self.seen.insert(m.version) {
            self.rows.push(Adopt {
                m,
                status,
                at: at.text().map(str::to_owned),
                duration_ms,
            });
        }
    }

    pub(super) fn failed(&self, version: i64, state: &str) -> MigrateError {
        MigrateError::OtherFailedRow {
            tool: self.tool,
            table: self.table.to_owned(),
            version,
            state: state.to_owned(),
        }
    }

    /// A file whose content differs from what the tool applied: refused (skipped when
    /// lenient).
    pub(super) fn mismatch(
        &mut self,
        m: &Migration,
        checksum: &'static str,
    ) -> Result<(), MigrateError> {
        if self.lenient {
            self.skipped.push(format!(
                "{}: another content than {} applied",
                m.path, self.tool
            ));
            return Ok(());
        }
        Err(MigrateError::OtherChecksumMismatch {
            tool: self.tool,
            table: self.table.to_owned(),
            version: m.version,
            file: m.path.to_owned(),
            checksum,
        })
    }

    pub(super) fn unusable(&self, row: String, reason: &str, way_out: &str) -> MigrateError {
        MigrateError::OtherRowUnusable {
            tool: self.tool,
            table: self.table.to_owned(),
            row,
            reason: reason.to_owned(),
            way_out: way_out.to_owned(),
        }
    }

    /// A column that must not be NULL.
    pub(super) fn int(&self, value: &Value, column: &str) -> Result<i64, MigrateError> {
        value.int().ok_or_else(|| {
            self.unusable(
                format!("a row whose `{column}` is NULL"),
                "names no migration",
                "delete that row, then run again",
            )
        })
    }

    /// The result, in apply order.
    pub(super) fn finish(mut self) -> Adoption {
        let position = self.migrator.positions();
        crate::order::sort_by_key(&mut self.rows, |r| {
            position.get(&r.m.version).copied().unwrap_or(usize::MAX)
        });
        Adoption {
            tool: self.tool,
            table: self.table.to_owned(),
            rows: self.rows,
            skipped: self.skipped,
        }
    }
}

/// A version written as text (diesel's, Flyway's, a table of versions'): a whole number, or
/// `None` (a dotted version, a repeatable migration's, text).
pub(super) fn whole(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Migrator<'_> {
    /// Judges the rows `import.query()` read: what to record, or why not. `lenient`: rows that
    /// name no file of this set, or a file whose content differs, are skipped, not refused.
    pub(crate) fn judge(
        &self,
        import: &Import,
        rows: Vec<Vec<Value>>,
        lenient: bool,
    ) -> Result<Adoption, MigrateError> {
        let mut judge = Judge::new(self, import, lenient);
        match import.tool {
            OtherTool::Sqlx => judge.sqlx(rows)?,
            OtherTool::Diesel => judge.diesel(rows)?,
            OtherTool::Refinery => judge.refinery(rows)?,
            OtherTool::GolangMigrate => judge.golang_migrate(rows)?,
            OtherTool::Goose => judge.goose(rows)?,
            OtherTool::Flyway => judge.flyway(rows)?,
            OtherTool::VersionsTable => judge.versions(import, rows)?,
            OtherTool::FilesTable => judge.files(import, rows)?,
        }
        Ok(judge.finish())
    }
}

impl Adopt {
    /// The row recording it would write, as a run plans over it.
    pub(crate) fn applied_row(&self) -> AppliedRow {
        AppliedRow {
            version: self.m.version,
            description: self.m.description.to_owned(),
            checksum: self.m.checksum,
            loose_checksum: Some(self.m.loose_checksum),
            applied_at: self.at.clone().unwrap_or_default(),
            duration_ms: self.duration_ms.unwrap_or(0),
            status: self.status.clone(),
            statements_done: 0,
            statements_total: 0,
            error: None,
        }
    }
}
