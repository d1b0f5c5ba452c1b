//! The transaction-scoped lock mode, for servers behind a transaction-pooling proxy (PgBouncer
//! in `pool_mode = transaction`), where a session lock would be held by whichever client the
//! proxy hands the server connection to next.
//!
//! Every transaction that writes tracking rows first takes `pg_try_advisory_xact_lock`,
//! released at its commit or rollback, and re-checks under it whether another process applied
//! the migration meanwhile. Waiting is polling with nothing held in between, so a waiter never
//! holds a transaction open that a `CREATE INDEX CONCURRENTLY` would wait for. A
//! `-- no-transaction` migration is claimed with a `running` row under the lock; other
//! processes wait for that row to become `applied`.

use super::{PgBackend, Settings};
use crate::backend::{ApplyError, Step};
use crate::tracking::records::Write;
use crate::tracking::state::{Fingerprint, ModuleState, Status};
use crate::LockMode;
use crate::{Checksum, MigrateError, Migration};
use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};
use std::time::{Duration, Instant};

/// Begins a transaction on `$conn` that holds the migration lock in transaction mode, polling
/// with nothing held in between; gives up after the lock wait. A macro rather than a method:
/// a method returning the transaction from inside its retry loop does not borrow-check.
macro_rules! begin_locked {
    ($backend:expr, $conn:expr) => {{
        let started = std::time::Instant::now();
        loop {
            let mut tx =
                sqlx::Connection::begin(&mut *$conn)
                    .await
                    .map_err(crate::MigrateError::db(
                        "starting a migration's transaction",
                    ))?;
            if $backend.try_lock_in(&mut tx).await? {
                break tx;
            }
            tx.rollback()
                .await
                .map_err(crate::MigrateError::db("waiting for the migration lock"))?;
            if started.elapsed() >= $backend.lock_wait {
                return Err(crate::MigrateError::LockTimeout {
                    waited: started.elapsed(),
                    holder: "another process applying a migration (transaction lock mode)"
                        .to_owned(),
                    applied_before: Vec::new(),
                }
                .into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }};
}
pub(super) use begin_locked;

/// What a claim of a `-- no-transaction` migration found.
pub(super) enum Claim {
    /// This process owns the migration and runs it.
    Owner,
    /// Another process applied it.
    AlreadyApplied,
}

impl PgBackend<'_> {
    pub(super) fn transaction_mode(settings: &Settings) -> bool {
        settings.lock_mode == LockMode::Transaction
    }

    /// Whether a transaction that holds the lock was taken: in session mode always (the run
    /// lock covers it); in transaction mode, whether `pg_try_advisory_xact_lock` succeeded.
    pub(super) async fn try_lock_in(&self, tx: &mut PgConnection) -> Result<bool, MigrateError> {
        if !Self::transaction_mode(&self.settings) {
            return Ok(true);
        }
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .persistent(false)
            .bind(self.key())
            .fetch_one(tx)
            .await
            .map_err(MigrateError::db("taking the migration lock"))
    }

    /// In transaction mode: the status and checksum of the row of `version` as it is now,
    /// under the lock of `tx`.
    pub(super) async fn status_of(
        &self,
        tx: &mut PgConnection,
        version: i64,
    ) -> Result<Option<(Status, String)>, MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT status, checksum FROM {} WHERE module = $1 AND version = $2",
            self.m
        );
        let row: Option<(String, String)> = sqlx::query_as(&sql)
            .persistent(false)
            .bind(&self.ctx.module)
            .bind(version)
            .fetch_optional(tx)
            .await
            .map_err(MigrateError::db(
                "checking whether another process applied a migration",
            ))?;
        Ok(row.map(|(status, checksum)| (Status::parse(&status), checksum)))
    }

    /// In transaction mode: whether the row of `m` says another process applied it after this
    /// one made its plan; for a repeatable migration, with the checksum of this file (its row
    /// of an earlier apply is replaced).
    pub(super) async fn applied_meanwhile(
        &self,
        tx: &mut PgConnection,
        m: &Migration,
    ) -> Result<bool, MigrateError> {
        Ok(match self.status_of(tx, m.version).await? {
            None => false,
            Some((_, checksum)) if m.is_repeatable() => checksum == m.checksum.to_hex(),
            Some(_) => true,
        })
    }

    /// The module state as the rows say, read under the lock of `tx`.
    pub(super) async fn module_state_from_rows(
        &self,
        tx: &mut PgConnection,
    ) -> Result<ModuleState, MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT version, checksum FROM {} WHERE module = $1 AND status IN ('{}', '{}')",
            self.m,
            Status::Applied.as_str(),
            Status::Baseline.as_str()
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(&self.ctx.module)
            .fetch_all(tx)
            .await
            .map_err(MigrateError::db("reading the applied migrations"))?;
        let fingerprint = rows.iter().fold(Fingerprint::EMPTY, |acc, row| {
            let checksum = Checksum::from_hex(row.get(1)).unwrap_or(Checksum([0; 32]));
            acc.toggle_version(row.get(0), &checksum)
        });
        Ok(ModuleState::Clean {
            applied_count: rows.len() as i64,
            fingerprint,
        })
    }

    /// Claims a `-- no-transaction` migration. In session mode the run lock already makes
    /// this process the owner; in transaction mode the claim is a `running` row written under
    /// the transaction lock, and a process that finds another's claim waits for it.
    /// `resume_after`: a resume of the failed row, whose progress says that many statements ran.
    pub(super) async fn claim(
        &self,
        conn: &mut PgConnection,
        step: &Step,
        total: usize,
        resume_after: Option<usize>,
    ) -> Result<Claim, ApplyError> {
        let started = Instant::now();
        loop {
            let mut tx = begin_locked!(self, conn);
            let status = if Self::transaction_mode(&self.settings) {
                self.status_of(&mut tx, step.migration.version)
                    .await?
                    .map(|(status, _)| status)
            } else {
                None
            };
            // A resume takes over the failed row; a run claims a migration nobody has.
            let claimable =
                status.is_none() || (resume_after.is_some() && status == Some(Status::Failed));
            match status {
                _ if claimable => {
                    let claim = self.render(&[Write::Claimed {
                        m: step.migration,
                        total,
                        done: resume_after.unwrap_or(0),
                    }]);
                    (&mut *tx)
                        .execute(sqlx::raw_sql(&claim.text))
                        .await
                        .map_err(MigrateError::db("recording the start of a migration"))?;
                    tx.commit()
                        .await
                        .map_err(MigrateError::db("recording the start of a migration"))?;
                    return Ok(Claim::Owner);
                }
                Some(status) if status.is_applied() => return Ok(Claim::AlreadyApplied),
                Some(Status::Failed) => {
                    return Err(ApplyError::Other(MigrateError::Dirty {
                        version: step.migration.version,
                        file: step.migration.path.to_owned(),
                        status: Status::Failed.to_string(),
                        progress: "another process ran it".to_owned(),
                        error: "another process recorded it as failed while this one waited"
                            .to_owned(),
                    }))
                }
                _running => {
                    drop(tx);
                    if started.elapsed() >= self.lock_wait {
                        return Err(ApplyError::Other(MigrateError::LockTimeout {
                            waited: started.elapsed(),
                            holder: format!(
                                "another process applying `{}` (its row is `{}`; if no process runs it, it died: resolve it with `repair`)",
                                step.migration.path,
                                Status::Running
                            ),
                            applied_before: Vec::new(),
                        }));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
