//! Adopting a database that something else migrated: `baseline`, importing another tool's
//! history on request, and (`boot`) adopting sqlx's, diesel's or refinery's at a run.
//!
//! A history is read ([`Import::query`]), judged against the embedded files with the tool's
//! own checksum where it has one ([`judge`], [`tools`], [`tables`]), and only then recorded,
//! whole, keeping the tool's times ([`records`]): a refused history leaves nothing recorded.

mod boot;
mod checksums;
pub(crate) mod import;
pub(crate) mod judge;
mod tables;
mod tools;

use crate::backend::Backend;
use crate::engine::locked;
use crate::engine::other_tools::OtherTool;
use crate::migrator::{with_backend, DbPool};
use crate::report::{Adopted, EventKind};
use crate::tracking::records::{Millis, Write};
use crate::tracking::state::{ModuleState, Status};
use crate::{MigrateError, Migrator};
use futures_util::future::BoxFuture;
use import::Import;
use judge::{Adopt, Adoption};
use std::collections::HashSet;

impl Migrator<'_> {
    /// Marks every embedded migration up to and including `version` as applied without running
    /// it (status `baseline`), for a database whose schema already has them; recorded in the
    /// history. Migrations already recorded are left as they are. Returns the versions marked.
    pub async fn baseline<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        version: i64,
    ) -> Result<Vec<i64>, MigrateError> {
        self.baseline_on(pool.into(), version).await
    }

    /// The body of [`Self::baseline`], compiled once in this crate rather than in every caller.
    fn baseline_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        version: i64,
    ) -> BoxFuture<'a, Result<Vec<i64>, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let position = self
                .migrations
                .applying()
                .position(|m| m.version == version)
                .ok_or_else(|| self.unknown(version))?;
            let rows: Vec<Adopt> = self
                .migrations
                .applying()
                .take(position + 1)
                .map(|m| Adopt {
                    m,
                    status: Status::Baseline,
                    at: None,
                    duration_ms: None,
                })
                .collect();
            let recorded = with_backend!(self, pool, ctx, |b| {
                self.record_locked(&mut b, rows, None).await
            })?;
            Ok(recorded.iter().map(|r| r.m.version).collect())
        })
    }

    /// Adopts a database that sqlx migrated; see [`Migrator::import`] with
    /// [`OtherTool::Sqlx`]. Returns the versions imported.
    pub async fn import_sqlx<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<i64>, MigrateError> {
        let adopted = self.import(pool, Import::tool(OtherTool::Sqlx)).await?;
        Ok(adopted.versions)
    }

    /// Adopts a database whose versions another tool kept in a `table(version)` (e.g.
    /// `schema_version`): every embedded migration whose version is listed is recorded as
    /// applied; see [`Migrator::import`] with [`Import::versions_table`], which also reads a
    /// status column. There are no checksums to compare there. Returns the versions imported.
    pub async fn import_versions_table<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        table: &str,
    ) -> Result<Vec<i64>, MigrateError> {
        let adopted = self.import(pool, Import::versions_table(table)).await?;
        Ok(adopted.versions)
    }

    /// Adopts the history another tool left in the database (or a table written by hand):
    /// reads its table, checks each migration it records against the embedded file (with the
    /// tool's own checksum where it has one: sqlx's SHA-384, refinery's SipHash, Flyway's
    /// CRC-32), and records them as applied here with the tool's times where its table keeps
    /// them, and an `import` event each.
    ///
    /// Refused before anything is recorded: a migration the tool records as failed or not
    /// completed (sqlx's `success = false`, golang-migrate's `dirty`, Flyway's
    /// `success = false`), a file whose content differs from what the tool applied, a version
    /// this set lacks (unless `ignore_missing()`), a row that says nothing usable, and a
    /// history this module's own does not agree with (validated as a run validates).
    /// Migrations already recorded here are left as they are: importing twice adds nothing.
    ///
    /// A run adopts sqlx's, diesel's and refinery's history by itself (see
    /// [`Migrator::adopt_other_tools`]); this is the way for the others, and for a table under
    /// another name.
    pub async fn import<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        import: Import,
    ) -> Result<Adopted, MigrateError> {
        self.import_on(pool.into(), import).await
    }

    /// The body of [`Self::import`], compiled once in this crate rather than in every caller.
    fn import_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        import: Import,
    ) -> BoxFuture<'a, Result<Adopted, MigrateError>> {
        Box::pin(async move {
            import.check()?;
            let ctx = self.context()?;
            with_backend!(self, pool, ctx, |b| {
                let adoption = self.read_other(&mut b, &import).await?.ok_or_else(|| {
                    MigrateError::NoLegacyTable {
                        table: import.table.clone(),
                    }
                })?;
                let source = (adoption.tool, adoption.table.clone());
                let recorded = self
                    .record_locked(&mut b, adoption.rows, Some((source.0, &source.1)))
                    .await?;
                Ok(adopted(source.0, &source.1, &recorded, adoption.skipped))
            })
        })
    }

    /// The history `import` reads, judged; `None` when the database has no such table.
    pub(crate) async fn read_other<B: Backend>(
        &self,
        b: &mut B,
        import: &Import,
    ) -> Result<Option<Adoption>, MigrateError> {
        match b.other_rows(&import.query()).await? {
            Some(rows) => self.judge(import, rows, false).map(Some),
            None => Ok(None),
        }
    }

    /// Under the lock: records `rows` (minus what is already recorded) without running them,
    /// as `source`'s (a tool and its table) or, without one, as a baseline. Returns what it
    /// recorded.
    async fn record_locked<B: Backend>(
        &self,
        b: &mut B,
        rows: Vec<Adopt>,
        source: Option<(OtherTool, &str)>,
    ) -> Result<Vec<Adopt>, MigrateError> {
        locked(b, self.lock_timeout, async |b| {
            b.ensure_tables().await?;
            let applied = b.applied().await?;
            // Validated like a run, so that adopting never hides a modified or failed migration.
            let plan = self.plan(&applied, b.running_may_be_live())?;
            let recorded: HashSet<i64> = applied.iter().map(|r| r.version).collect();
            let new: Vec<Adopt> = rows
                .into_iter()
                .filter(|r| !recorded.contains(&r.m.version))
                .collect();
            if !new.is_empty() {
                let state = new.iter().fold(plan.state, |s, r| s.with(r.m));
                b.write(&records(&new, state, source)).await?;
            }
            Ok(new)
        })
        .await
    }
}

/// What recording `rows` writes: their applied rows (in one insert where they fit), an event
/// each with the time and duration the other tool recorded, and the module's `state` after
/// them. `source`: the tool and its table, or `None` for a baseline.
pub(crate) fn records(
    rows: &[Adopt],
    state: ModuleState,
    source: Option<(OtherTool, &str)>,
) -> Vec<Write> {
    let mut writes: Vec<Write> = rows
        .iter()
        .map(|r| Write::Applied {
            m: r.m,
            status: r.status.clone(),
            duration: Millis::Known(r.duration_ms.unwrap_or(0)),
            statements: 0,
            replace: false,
            applied_at: r.at.clone(),
        })
        .collect();
    writes.extend(rows.iter().map(|r| {
        let (kind, detail) = match (source, &r.status) {
            (None, _) => (
                EventKind::Baseline,
                "baseline: already in the database".to_owned(),
            ),
            (Some((tool, table)), Status::Baseline) => (
                EventKind::Baseline,
                format!("covered by {tool}'s baseline, as `{table}` records"),
            ),
            (Some((tool, table)), _) => (
                EventKind::Import,
                format!("applied by {tool}, as `{table}` records"),
            ),
        };
        Write::Event {
            m: r.m,
            kind,
            duration_ms: r.duration_ms,
            detail: Some(detail),
            at: r.at.clone(),
        }
    }));
    writes.push(Write::Module(state));
    writes
}

/// The report of what was recorded as `tool`'s from `table`.
pub(crate) fn adopted(
    tool: OtherTool,
    table: &str,
    rows: &[Adopt],
    skipped: Vec<String>,
) -> Adopted {
    let versions = |status: Status| {
        rows.iter()
            .filter(|r| r.status == status)
            .map(|r| r.m.version)
            .collect()
    };
    Adopted {
        tool,
        table: table.to_owned(),
        versions: versions(Status::Applied),
        baseline: versions(Status::Baseline),
        skipped,
    }
}
