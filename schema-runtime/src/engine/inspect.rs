//! Reading where migrations stand without applying anything (status, history, dry run), and
//! repairing a failed one.

use crate::backend::{AppliedRow, Backend};
use crate::migrator::{with_backend, DbPool};
use crate::report::{HistoryEvent, MigrationState, PlannedMigration, StatusEntry};
use crate::tracking::state::Status;
use crate::{MigrateError, Migrations, Migrator};
use futures_util::future::BoxFuture;
use std::collections::{HashMap, HashSet};

impl Migrator<'_> {
    /// What a run would apply, in order, with each file's SQL, after the same validation as a
    /// run (another tool's history it would adopt included). Changes nothing: no lock, no
    /// tracking tables created.
    pub async fn dry_run<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<PlannedMigration>, MigrateError> {
        self.dry_run_on(pool.into()).await
    }

    /// The body of [`Self::dry_run`], compiled once in this crate rather than in every caller.
    fn dry_run_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<PlannedMigration>, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let plan = with_backend!(self, pool, ctx, |b| {
                let applied = b.applied().await?;
                // What the run would apply after adopting another tool's history, if it would.
                let (plan, _) = self.plan_adopting(&mut b, &applied).await?;
                plan
            });
            Ok(plan
                .pending
                .into_iter()
                .map(|m| PlannedMigration {
                    version: m.version,
                    repeatable: m.is_repeatable(),
                    description: m.description.to_owned(),
                    file: m.path.to_owned(),
                    sql: m.sql,
                    no_transaction: m.no_transaction(),
                })
                .collect())
        })
    }

    /// Every embedded migration and every recorded one, with where it stands. Reads only:
    /// creates nothing, locks nothing.
    pub async fn status<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<StatusEntry>, MigrateError> {
        self.status_on(pool.into()).await
    }

    /// The body of [`Self::status`], compiled once in this crate rather than in every caller.
    fn status_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<StatusEntry>, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let (applied, live) = with_backend!(self, pool, ctx, |b| {
                let applied = b.applied().await?;
                // Only a `running` row needs to know whether a run is going on.
                let live = applied.iter().any(|r| r.status == Status::Running)
                    && b.run_in_progress().await?;
                Ok::<_, MigrateError>((applied, live))
            })?;
            Ok(status_entries(self.migrations, &applied, live))
        })
    }

    /// Every recorded event of the module, oldest first.
    pub async fn history<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<HistoryEvent>, MigrateError> {
        self.history_on(pool.into()).await
    }

    /// The body of [`Self::history`], compiled once in this crate rather than in every caller.
    fn history_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<HistoryEvent>, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            with_backend!(self, pool, ctx, |b| b.history().await)
        })
    }

    /// Marks a migration recorded as failed as applied, after the database was put right by
    /// hand, and records a `repair` event. Takes the lock like a run. Refuses a file edited
    /// since the migration failed; see [`Migrator::repair_with`].
    pub async fn repair<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        version: i64,
    ) -> Result<(), MigrateError> {
        self.repair_with(pool, version, crate::ResolveOptions::default())
            .await
    }
}

/// `live`: whether a run holds the migration lock now, so that a `running` row is being
/// applied rather than left by a process that died.
fn status_entries(migrations: &Migrations, applied: &[AppliedRow], live: bool) -> Vec<StatusEntry> {
    let rows: HashMap<i64, &AppliedRow> = applied.iter().map(|r| (r.version, r)).collect();
    let reversible: HashSet<i64> = migrations
        .iter()
        .filter(|m| m.kind == schema_core::MigrationKind::Down)
        .map(|m| m.version)
        .collect();
    let embedded: HashSet<i64> = migrations.applying().map(|m| m.version).collect();
    let mut entries: Vec<StatusEntry> = migrations
        .applying()
        .map(|m| {
            let row = rows.get(&m.version);
            let state = match row {
                None => MigrationState::Pending,
                Some(r) if r.status == Status::Running && live => MigrationState::Running,
                Some(r) if r.needs_repair() => MigrationState::Failed,
                Some(r) if r.status == Status::Baseline => MigrationState::Baseline,
                // A repeatable migration that changed is applied again by the next run.
                Some(r) if m.is_repeatable() && !m.matches_recorded(&r.checksum) => {
                    MigrationState::Pending
                }
                Some(r) if !m.matches_recorded(&r.checksum) => MigrationState::Modified,
                Some(_) => MigrationState::Applied,
            };
            StatusEntry {
                version: m.version,
                repeatable: m.is_repeatable(),
                description: m.description.to_owned(),
                state,
                applied_at: row.map(|r| r.applied_at.clone()),
                duration_ms: row.map(|r| r.duration_ms),
                reversible: reversible.contains(&m.version),
                noop: m.noop,
                checked: migrations.sql_checked() && !m.no_check(),
                file: Some(m.path.to_owned()),
                checksum: Some(m.checksum),
                applied_checksum: row.map(|r| r.checksum),
                whitespace_only: state == MigrationState::Modified
                    && m.differs_in_white_space_only(row.and_then(|r| r.loose_checksum)),
                interrupted: state == MigrationState::Failed
                    && row.is_some_and(|r| r.status == Status::Running),
                // Not for a migration being applied now: its progress is still moving.
                progress: row
                    .filter(|r| state == MigrationState::Failed && r.statements_total > 0)
                    .map(|r| r.progress()),
            }
        })
        .collect();
    for row in applied {
        if !embedded.contains(&row.version) {
            entries.push(StatusEntry {
                version: row.version,
                repeatable: schema_core::is_repeatable_key(row.version),
                description: row.description.clone(),
                state: MigrationState::Missing,
                applied_at: Some(row.applied_at.clone()),
                duration_ms: Some(row.duration_ms),
                reversible: false,
                noop: false,
                checked: false,
                file: None,
                checksum: None,
                applied_checksum: Some(row.checksum),
                whitespace_only: false,
                interrupted: false,
                progress: None,
            });
        }
    }
    entries
}
