//! Resolving a `-- no-transaction` migration that failed or was interrupted part-way:
//! resuming it from the first statement that did not complete, or marking it applied once it
//! was put right by hand (`repair`).

use crate::backend::{leftover, statements, AppliedRow, Backend, Step};
use crate::engine::locked;
use crate::migrator::{applied_migration, with_backend, DbPool};
use crate::report::{EventKind, Report};
use crate::tracking::records::Write;
use crate::tracking::state::{ModuleState, Status};
use crate::{MigrateError, Migration, Migrator};
use futures_util::future::BoxFuture;
use std::time::Instant;
use tracing::{info, info_span, Instrument};

/// Whether a statement whose end was never recorded took effect, as the user found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InDoubt {
    /// It ran to its end: resume after it.
    Ran,
    /// It did not take effect: resume with it.
    DidNotRun,
}

/// How [`Migrator::resume_with`] and [`Migrator::repair_with`] treat a failed migration they
/// would otherwise refuse. The default refuses both cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    allow_edited: bool,
    in_doubt: Option<InDoubt>,
}

impl ResolveOptions {
    /// Accept a file edited since the migration failed: its checksum differs from the one
    /// recorded then. The statements that ran were the old file's; a resume runs the new
    /// file's from the same statement number.
    pub fn allow_edited(mut self) -> Self {
        self.allow_edited = true;
        self
    }

    /// What became of the statement whose end was never recorded (the progress says it may
    /// have run): the resume starts after it or with it.
    pub fn statement_in_doubt(mut self, outcome: InDoubt) -> Self {
        self.in_doubt = Some(outcome);
        self
    }
}

impl Migrator<'_> {
    /// Resumes the `-- no-transaction` migration recorded as failed (or interrupted: `running`
    /// with no process applying it) from the first statement that did not complete, records it
    /// applied, then applies what else is pending, as [`Migrator::run`] does. Takes the lock
    /// like a run. Refuses, changing nothing, when the file was edited since it failed, when
    /// its progress says a statement may have run (see [`ResolveOptions`] for both), and when
    /// PostgreSQL kept what the failed statement left (an invalid index of a
    /// `CREATE INDEX CONCURRENTLY`: drop it first).
    pub async fn resume<'p>(&self, pool: impl Into<DbPool<'p>>) -> Result<Report, MigrateError> {
        self.resume_with(pool, ResolveOptions::default()).await
    }

    /// [`Migrator::resume`] with `options`.
    pub async fn resume_with<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        options: ResolveOptions,
    ) -> Result<Report, MigrateError> {
        self.resume_with_on(pool.into(), options).await
    }

    /// The body of [`Self::resume_with`], compiled once in this crate rather than in every caller.
    fn resume_with_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        options: ResolveOptions,
    ) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let span = info_span!("resume", module = %self.module);
            with_backend!(self, pool, ctx, |b| self
                .resume_in(&mut b, options)
                .instrument(span)
                .await)
        })
    }

    /// Under the lock: resumes the failed migration, then runs what is pending after it. A
    /// function of its own so that the boxed future above can be `Send`.
    async fn resume_in<B: Backend>(
        &self,
        b: &mut B,
        options: ResolveOptions,
    ) -> Result<Report, MigrateError> {
        let started = Instant::now();
        locked(b, self.lock_timeout, async |b| {
            let resumed = self.resume_locked(b, options).await?;
            let mut report = self
                .run_locked(b, started)
                .await
                .map_err(|e| e.after(std::slice::from_ref(&resumed)))?;
            report.already_applied = report.already_applied.saturating_sub(1);
            report.applied.insert(0, resumed);
            Ok(report)
        })
        .await
    }

    async fn resume_locked<B: Backend>(
        &self,
        b: &mut B,
        options: ResolveOptions,
    ) -> Result<crate::AppliedMigration, MigrateError> {
        b.ensure_tables().await?;
        let applied = b.applied().await?;
        let Some(row) = applied.iter().find(|r| r.needs_repair()) else {
            return Err(MigrateError::NothingToResume {
                module: self.module.clone(),
            });
        };
        let not_resumable = |file: String, reason: &str| MigrateError::NotResumable {
            version: row.version,
            file,
            reason: reason.to_owned(),
        };
        let Some(m) = self
            .migrations
            .applying()
            .find(|m| m.version == row.version)
        else {
            return Err(not_resumable(
                row.description.clone(),
                "its file is not one of this set's; deploy a binary that has it",
            ));
        };
        if row.status == Status::Running && b.running_may_be_live() {
            // No lock tells whether the process that wrote the row still runs it: waiting for
            // the row to change would wait the whole lock wait for a process that may be dead.
            return Err(not_resumable(
                m.path.to_owned(),
                "it is recorded as running, and in transaction lock mode nothing tells whether the process that runs it is still alive; if one is, wait for it to finish; if none is, resume it in session lock mode (`LockMode::Session`, on a connection that reaches the server directly, not through a transaction-pooling proxy), which sees that no process holds the lock, or check which of its statements took effect, finish them by hand and mark it resolved with `repair`",
            ));
        }
        if !m.no_transaction() {
            return Err(not_resumable(
                m.path.to_owned(),
                "it runs in a transaction, so nothing of it stayed; `run` applies it",
            ));
        }
        self.check_unedited(row, m, options)?;
        let total = statements(m.sql).len();
        let done = usize::try_from(row.statements_done).unwrap_or(0);
        let resume_after = match (row.in_doubt(), options.in_doubt) {
            (None, _) => done,
            (Some(_), Some(InDoubt::Ran)) => done + 1,
            (Some(_), Some(InDoubt::DidNotRun)) => done,
            (Some(statement), None) => {
                return Err(MigrateError::StatementInDoubt {
                    version: m.version,
                    file: m.path.to_owned(),
                    statement,
                })
            }
        };
        if resume_after > total {
            return Err(not_resumable(
                m.path.to_owned(),
                &format!(
                    "its progress says {resume_after} statements ran, and the file has {total}"
                ),
            ));
        }
        if let Some(leftover) = self.leftover(b, m, resume_after + 1).await {
            return Err(MigrateError::Leftover {
                version: m.version,
                file: m.path.to_owned(),
                leftover,
            });
        }
        let step = Step::apply(m, Some(state_with(&applied, m)));
        info!(version = m.version, after = resume_after, "resuming");
        match b.apply_without_transaction(&step, Some(resume_after)).await {
            Ok(duration) => Ok(applied_migration(m, duration.unwrap_or_default())),
            Err(e) => {
                let outcome = "it ran outside a transaction, so the statements before the failing one stay applied; it is recorded as failed";
                Err(self.fail(b, e, &[step], outcome, true).await)
            }
        }
    }

    /// Refuses a file edited since the row was recorded, unless `options` allow it.
    fn check_unedited(
        &self,
        row: &AppliedRow,
        m: &Migration,
        options: ResolveOptions,
    ) -> Result<(), MigrateError> {
        if m.matches_recorded(&row.checksum) || options.allow_edited {
            return Ok(());
        }
        Err(MigrateError::EditedSinceFailure {
            version: m.version,
            file: m.path.to_owned(),
            recorded: row.checksum,
            embedded: m.checksum,
        })
    }

    /// What PostgreSQL kept of statement `number` of `m` when it failed, said so that the user
    /// can remove it; `None` when there is nothing known to look for, or it is not there.
    pub(crate) async fn leftover<B: Backend>(
        &self,
        b: &mut B,
        m: &Migration,
        number: usize,
    ) -> Option<String> {
        let stmts = statements(m.sql);
        let name = leftover::concurrent_index(stmts.get(number.checked_sub(1)?)?.text)?;
        match b.invalid_index(&name).await {
            Ok(true) => Some(leftover::invalid_index(&name)),
            _ => None,
        }
    }

    /// Marks a migration recorded as failed as applied, after the database was put right by
    /// hand, and records a `repair` event. Takes the lock like a run. Refuses a file edited
    /// since the migration failed unless `options` allow it.
    pub async fn repair_with<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        version: i64,
        options: ResolveOptions,
    ) -> Result<(), MigrateError> {
        self.repair_with_on(pool.into(), version, options).await
    }

    /// The body of [`Self::repair_with`], compiled once in this crate rather than in every caller.
    fn repair_with_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        version: i64,
        options: ResolveOptions,
    ) -> BoxFuture<'a, Result<(), MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let m = self
                .migrations
                .applying()
                .find(|m| m.version == version)
                .ok_or_else(|| self.unknown(version))?;
            with_backend!(self, pool, ctx, |b| self
                .repair_in(&mut b, m, options)
                .await)
        })
    }

    /// Under the lock: marks `m` repaired. A function of its own so that the boxed future
    /// above can be `Send`.
    async fn repair_in<B: Backend>(
        &self,
        b: &mut B,
        m: &'static Migration,
        options: ResolveOptions,
    ) -> Result<(), MigrateError> {
        locked(b, self.lock_timeout, async |b| {
            self.repair_locked(b, m, options).await
        })
        .await
    }

    async fn repair_locked<B: Backend>(
        &self,
        b: &mut B,
        m: &'static Migration,
        options: ResolveOptions,
    ) -> Result<(), MigrateError> {
        b.ensure_tables().await?;
        let applied = b.applied().await?;
        let row = applied.iter().find(|r| r.version == m.version);
        match row {
            Some(row) if row.needs_repair() => self.check_unedited(row, m, options)?,
            other => {
                return Err(MigrateError::NotFailed {
                    version: m.version,
                    state: other.map_or("not applied".to_owned(), |r| r.status.to_string()),
                })
            }
        }
        b.write(&[
            Write::Repaired { m },
            Write::Event {
                m,
                kind: EventKind::Repair,
                duration_ms: None,
                detail: None,
                at: None,
            },
            Write::Module(state_with(&applied, m)),
        ])
        .await
    }
}

/// The module state once `m` is applied besides the applied rows.
fn state_with(applied: &[AppliedRow], m: &Migration) -> ModuleState {
    applied
        .iter()
        .filter(|r| r.status.is_applied())
        .fold(ModuleState::EMPTY, |state, r| {
            state.with_recorded(r.version, &r.checksum)
        })
        .with(m)
}
