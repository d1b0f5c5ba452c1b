//! What the engine writes to the tracking tables, as data ([`Write`]), and its one rendering
//! into SQL. A store only says how its database spells a string literal and the current time
//! ([`Syntax`]) and runs the text; the statements and their values are decided here, once.
//!
//! Values are written in as literals rather than bound: the text then goes in the same call as
//! a migration's own statements (one round trip per migration), needs no prepared statement
//! (which a transaction-pooling proxy may not keep), and reads the same on every database.

use crate::report::EventKind;
use crate::tracking::state::{ModuleState, Status};
use crate::{Migration, ModuleRole};

/// A duration in milliseconds as a record gives it.
#[derive(Debug, Clone)]
pub(crate) enum Millis {
    /// Measured by the process.
    Known(i64),
    /// An SQL expression of the store's, evaluated as the record is written (the time the
    /// server spent on the statements sent before it in the same call).
    Expr(String),
}

/// One change to the tracking tables.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// The row of a migration that is applied now (`Applied`, or `Baseline` for one marked so
    /// without running), replacing the row of an earlier attempt.
    Applied {
        m: &'static Migration,
        status: Status,
        duration: Millis,
        statements: usize,
        /// Whether the row of an earlier attempt (`running` or `failed`) is replaced; a plain
        /// insert otherwise, which fails rather than overwrite a row nobody expected (one a
        /// concurrent run wrote).
        replace: bool,
        /// When it was applied, as UTC text (`2026-12-04T18:59:32.123Z`), when that was before
        /// this record (another tool applied it); now otherwise.
        applied_at: Option<String>,
    },
    /// The `running` row that claims a `-- no-transaction` migration before its first
    /// statement runs, `done` of its `total` statements counted as run (a resume's).
    Claimed {
        m: &'static Migration,
        total: usize,
        done: usize,
    },
    /// How far a `-- no-transaction` migration got, with a note (see `backend::progress`).
    Progress {
        version: i64,
        done: usize,
        note: Option<String>,
    },
    /// The row of a migration that failed part-way, with what happened.
    Failed { version: i64, detail: String },
    /// A failed row marked applied after a person put the database right.
    Repaired { m: &'static Migration },
    /// The row of a reverted migration.
    Removed { version: i64 },
    /// An `apply` event for each of `versions`, copied from the rows written before it in the
    /// same transaction (their time, author and duration), in the order they were applied.
    ApplyEvents { versions: Vec<i64> },
    /// Any other history event.
    Event {
        m: &'static Migration,
        kind: EventKind,
        duration_ms: Option<i64>,
        detail: Option<String>,
        /// When it happened, as UTC text, when that was before this record (another tool
        /// applied the migration); now otherwise.
        at: Option<String>,
    },
    /// The module row.
    Module(ModuleState),
    /// What a registry records of the module: its role and whether boot applies it. Written
    /// over the module row (created dirty when missing, so that the next run validates the
    /// history and writes its state); its count and fingerprint are left as they are.
    Mark { role: ModuleRole, active: bool },
}

/// How a database spells what the records need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// A string literal holding any text.
    pub literal: fn(&str) -> String,
    /// The current time, as the tracking tables' time columns take it.
    pub now: &'static str,
    /// A time column read as text (`2026-12-04T18:59:32.123Z`).
    pub time_text: fn(&str) -> String,
    /// A time given as that text, as the tracking tables' time columns take it.
    pub time_literal: fn(&str) -> String,
    /// A name (a table, a column) as a quoted identifier. SQLite reads a double-quoted name
    /// that names no column as a string, so it quotes its own way there.
    pub quote: fn(&str) -> String,
    /// A column of another tool's table that holds a time (a timestamp, or text such as
    /// `2024-05-04 09:02:41` or `2024-05-04T09:02:41.123456Z`) read as UTC text in the form
    /// `time_text` gives, or NULL when it does not read as a time.
    pub time_of_other_tool: fn(&str) -> String,
}

/// Where the records go: the tracking tables (quoted, possibly schema-qualified), the module
/// and who applies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub migrations: &'a str,
    pub history: &'a str,
    pub modules: &'a str,
    pub module: &'a str,
    /// The table prefix the module's set is confined to, recorded in its row when known.
    pub prefix: Option<&'a str>,
    pub applied_by: &'a str,
    pub syntax: Syntax,
}

/// SQL text and how many statements it holds (what a failed call's error is traced to).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rendered {
    pub text: String,
    pub statements: usize,
}

/// The columns of an applied row, in the order the inserts give them.
const APPLIED_COLUMNS: &str = "module, version, description, checksum, loose_checksum, applied_at, applied_by, duration_ms, status, statements_done, statements_total, error";

/// The history's columns, as every insert into it names them.
const HISTORY_COLUMNS: &str =
    "module, version, description, event, checksum, at, by, duration_ms, detail";

/// How a module row's prefix is updated: to the run's when it knows one; a run that does not
/// (a folder run with `schema` without `--prefix`) keeps the one recorded. The row as it was
/// is named by the insert's alias (`tracked`): PostgreSQL finds a bare column ambiguous there.
const KEEP_PREFIX: &str = "prefix = COALESCE(excluded.prefix, tracked.prefix)";

/// Rows of one multi-row insert: few enough for any database's limits on a statement.
const ROWS_PER_INSERT: usize = 100;

impl Target<'_> {
    /// The statements that make `writes`, in order; consecutive applied rows share inserts.
    pub(crate) fn render(&self, writes: &[Write]) -> Rendered {
        let mut out = Rendered::default();
        let mut i = 0;
        while i < writes.len() {
            if let Write::Applied { replace, .. } = writes[i] {
                let run = writes[i..]
                    .iter()
                    .take_while(|w| matches!(w, Write::Applied { replace: r, .. } if *r == replace))
                    .count();
                for chunk in writes[i..i + run].chunks(ROWS_PER_INSERT) {
                    self.push(&mut out, self.applied_rows(chunk));
                }
                i += run;
                continue;
            }
            let statement = self.statement(&writes[i]);
            self.push(&mut out, statement);
            i += 1;
        }
        out
    }

    /// The query of the module's applied rows, by version, in the order of
    /// `backend::AppliedColumns`; the module is its parameter `$1`.
    pub(crate) fn select_applied(&self) -> String {
        format!(
            "SELECT version, description, checksum, loose_checksum, {}, duration_ms, status, \
             statements_done, statements_total, error FROM {} WHERE module = $1 ORDER BY version",
            (self.syntax.time_text)("applied_at"),
            self.migrations
        )
    }

    /// The query of every module row, whichever columns the table has: a table created by an
    /// earlier version has no `role` and `active`, which then read as unset.
    #[cfg(feature = "postgres")]
    pub(crate) fn select_modules(&self) -> String {
        format!("SELECT * FROM {} ORDER BY module", self.modules)
    }

    /// The query of the module's history, oldest first, in the order of
    /// `backend::HistoryColumns`; the module is its parameter `$1`.
    pub(crate) fn select_history(&self) -> String {
        format!(
            "SELECT id, module, version, description, event, checksum, {}, by, duration_ms, detail \
             FROM {} WHERE module = $1 ORDER BY id",
            (self.syntax.time_text)("at"),
            self.history
        )
    }

    /// The one statement (without its `;`) that records `done` statements of `version` and
    /// `note` as its row's error: sent on its own or in one call with a statement.
    pub(crate) fn progress(&self, version: i64, done: usize, note: Option<&str>) -> String {
        self.statement(&Write::Progress {
            version,
            done,
            note: note.map(str::to_owned),
        })
    }

    fn push(&self, out: &mut Rendered, statement: String) {
        if !out.text.is_empty() {
            out.text.push('\n');
        }
        out.text.push_str(&statement);
        out.text.push(';');
        out.statements += 1;
    }

    fn lit(&self, value: &str) -> String {
        (self.syntax.literal)(value)
    }

    fn opt(&self, value: Option<&str>) -> String {
        value.map_or_else(|| "NULL".to_owned(), |v| self.lit(v))
    }

    /// `at`, or the current time.
    fn time(&self, at: Option<&str>) -> String {
        at.map_or_else(
            || self.syntax.now.to_owned(),
            |t| (self.syntax.time_literal)(t),
        )
    }

    fn row_key(&self, version: i64) -> String {
        format!("module = {} AND version = {version}", self.lit(self.module))
    }

    fn applied_rows(&self, rows: &[Write]) -> String {
        let values: Vec<String> = rows
            .iter()
            .filter_map(|w| match w {
                Write::Applied {
                    m,
                    status,
                    duration,
                    statements,
                    applied_at,
                    ..
                } => {
                    let duration = match duration {
                        Millis::Known(ms) => ms.to_string(),
                        Millis::Expr(expr) => expr.clone(),
                    };
                    Some(format!(
                        "({}, {}, {}, {}, {}, {}, {}, {duration}, {}, {statements}, {statements}, NULL)",
                        self.lit(self.module),
                        m.version,
                        self.lit(m.description),
                        self.lit(&m.checksum.to_hex()),
                        self.lit(&m.loose_checksum.to_hex()),
                        self.time(applied_at.as_deref()),
                        self.lit(self.applied_by),
                        self.lit(status.as_str()),
                    ))
                }
                _ => None,
            })
            .collect();
        let insert = format!(
            "INSERT INTO {t} ({APPLIED_COLUMNS}) VALUES {values}",
            t = self.migrations,
            values = values.join(", "),
        );
        if !matches!(rows.first(), Some(Write::Applied { replace: true, .. })) {
            return insert;
        }
        // An earlier attempt's row (`running`, `failed`) is replaced whole.
        format!(
            "{insert} \
             ON CONFLICT (module, version) DO UPDATE SET description = excluded.description, \
             checksum = excluded.checksum, loose_checksum = excluded.loose_checksum, \
             applied_at = excluded.applied_at, applied_by = excluded.applied_by, \
             duration_ms = excluded.duration_ms, status = excluded.status, \
             statements_done = excluded.statements_done, \
             statements_total = excluded.statements_total, error = NULL"
        )
    }

    fn statement(&self, write: &Write) -> String {
        let (t, h, now) = (self.migrations, self.history, self.syntax.now);
        let module = self.lit(self.module);
        match write {
            Write::Applied { .. } => self.applied_rows(std::slice::from_ref(write)),
            Write::Claimed { m, total, done } => format!(
                "INSERT INTO {t} ({APPLIED_COLUMNS}) VALUES ({module}, {}, {}, {}, {}, {now}, {}, 0, {}, {done}, {total}, NULL) \
                 ON CONFLICT (module, version) DO UPDATE SET status = excluded.status, \
                 statements_done = excluded.statements_done, \
                 statements_total = excluded.statements_total, error = NULL",
                m.version,
                self.lit(m.description),
                self.lit(&m.checksum.to_hex()),
                self.lit(&m.loose_checksum.to_hex()),
                self.lit(self.applied_by),
                self.lit(Status::Running.as_str()),
            ),
            Write::Progress {
                version,
                done,
                note,
            } => format!(
                "UPDATE {t} SET statements_done = {done}, error = {} WHERE {}",
                self.opt(note.as_deref()),
                self.row_key(*version)
            ),
            Write::Failed { version, detail } => format!(
                "UPDATE {t} SET status = {}, error = {} WHERE {}",
                self.lit(Status::Failed.as_str()),
                self.lit(detail),
                self.row_key(*version)
            ),
            Write::Repaired { m } => format!(
                "UPDATE {t} SET status = {}, checksum = {}, loose_checksum = {}, applied_at = {now}, \
                 applied_by = {}, error = NULL WHERE {}",
                self.lit(Status::Applied.as_str()),
                self.lit(&m.checksum.to_hex()),
                self.lit(&m.loose_checksum.to_hex()),
                self.lit(self.applied_by),
                self.row_key(m.version)
            ),
            Write::Removed { version } => {
                format!("DELETE FROM {t} WHERE {}", self.row_key(*version))
            }
            Write::ApplyEvents { versions } => {
                let versions: Vec<String> = versions.iter().map(i64::to_string).collect();
                format!(
                    "INSERT INTO {h} ({HISTORY_COLUMNS}) \
                     SELECT module, version, description, {}, checksum, applied_at, applied_by, duration_ms, NULL \
                     FROM {t} WHERE module = {module} AND version IN ({}) ORDER BY applied_at, version",
                    self.lit(EventKind::Apply.as_str()),
                    versions.join(", ")
                )
            }
            Write::Event {
                m,
                kind,
                duration_ms,
                detail,
                at,
            } => format!(
                "INSERT INTO {h} ({HISTORY_COLUMNS}) VALUES ({module}, {}, {}, {}, {}, {}, {}, {}, {})",
                m.version,
                self.lit(m.description),
                self.lit(kind.as_str()),
                self.lit(&m.checksum.to_hex()),
                self.time(at.as_deref()),
                self.lit(self.applied_by),
                duration_ms.map_or_else(|| "NULL".to_owned(), |ms| ms.to_string()),
                self.opt(detail.as_deref()),
            ),
            Write::Module(state) => {
                let (count, fingerprint) = state.columns();
                format!(
                    "INSERT INTO {m} AS tracked (module, applied_count, fingerprint, updated_at, prefix) \
                     VALUES ({module}, {count}, {}, {now}, {}) \
                     ON CONFLICT (module) DO UPDATE SET applied_count = excluded.applied_count, \
                     fingerprint = excluded.fingerprint, updated_at = excluded.updated_at, \
                     {KEEP_PREFIX}",
                    self.lit(&fingerprint),
                    self.opt(self.prefix),
                    m = self.modules,
                )
            }
            Write::Mark { role, active } => {
                let (count, fingerprint) = ModuleState::Dirty.columns();
                format!(
                    "INSERT INTO {m} AS tracked (module, applied_count, fingerprint, updated_at, role, active, prefix) \
                     VALUES ({module}, {count}, {}, {now}, {}, {}, {}) \
                     ON CONFLICT (module) DO UPDATE SET role = excluded.role, \
                     active = excluded.active, updated_at = excluded.updated_at, {KEEP_PREFIX}",
                    self.lit(&fingerprint),
                    self.lit(role.as_str()),
                    if *active { "TRUE" } else { "FALSE" },
                    self.opt(self.prefix),
                    m = self.modules,
                )
            }
        }
    }
}

/// What the engine records with an applied step, whose statements took `duration` and
/// numbered `statements`: its row, its `apply` event, and the module state when the step
/// records one.
pub(crate) fn applied(
    m: &'static Migration,
    module_after: Option<ModuleState>,
    duration: Millis,
    statements: usize,
) -> Vec<Write> {
    let mut writes = vec![
        Write::Applied {
            m,
            status: Status::Applied,
            duration,
            statements,
            // A `-- no-transaction` file claimed its row (`running`) before its statements; a
            // repeatable migration applied again replaces the row of its last apply.
            replace: m.no_transaction() || m.is_repeatable(),
            applied_at: None,
        },
        Write::ApplyEvents {
            versions: vec![m.version],
        },
    ];
    writes.extend(module_after.map(Write::Module));
    writes
}

/// What the engine records when `down` reverted `up` in `duration_ms`.
pub(crate) fn reverted(
    up: &'static Migration,
    down: &'static Migration,
    module_after: Option<ModuleState>,
    duration_ms: i64,
) -> Vec<Write> {
    let mut writes = vec![
        Write::Removed {
            version: up.version,
        },
        Write::Event {
            m: down,
            kind: EventKind::Revert,
            duration_ms: Some(duration_ms),
            detail: None,
            at: None,
        },
    ];
    writes.extend(module_after.map(Write::Module));
    writes
}
