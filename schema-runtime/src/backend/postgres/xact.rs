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

use super::{PgBackend, Settings, STATUS_APPLIED};
use crate::backend::{ApplyError, Step, STATUS_BASELINE, STATUS_FAILED, STATUS_RUNNING};
use crate::{Checksum, MigrateError};
use sqlx::postgres::PgConnection;
use sqlx::Row;
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
                }
                .into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }};
}
pub(super) use begin_locked;

/// How the PostgreSQL backend keeps two processes from migrating at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockMode {
    /// A session advisory lock on a connection of the pool for the whole run (the default).
    #[default]
    Session,
    /// A transaction advisory lock in each transaction that writes, for transaction-pooling
    /// proxies.
    Transaction,
}

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

    /// In transaction mode: the row of `version` as it is now, under the lock of `tx`.
    pub(super) async fn status_of(
        &self,
        tx: &mut PgConnection,
        version: i64,
    ) -> Result<Option<String>, MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT status FROM {} WHERE module = $1 AND version = $2",
            self.m
        );
        sqlx::query_scalar(&sql)
            .persistent(false)
            .bind(&self.ctx.module)
            .bind(version)
            .fetch_optional(tx)
            .await
            .map_err(MigrateError::db(
                "checking whether another process applied a migration",
            ))
    }

    /// The module state as the rows say, read under the lock of `tx`.
    pub(super) async fn module_state_from_rows(
        &self,
        tx: &mut PgConnection,
    ) -> Result<(i64, Checksum), MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT version, checksum FROM {} WHERE module = $1 AND status IN ('{STATUS_APPLIED}', '{STATUS_BASELINE}')",
            self.m
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(&self.ctx.module)
            .fetch_all(tx)
            .await
            .map_err(MigrateError::db("reading the applied migrations"))?;
        let fingerprint = rows.iter().fold(Checksum([0; 32]), |acc, row| {
            let checksum = Checksum::from_hex(row.get(1)).unwrap_or(Checksum([0; 32]));
            acc.xor(&Checksum::fingerprint_part(row.get(0), &checksum))
        });
        Ok((rows.len() as i64, fingerprint))
    }

    /// In transaction mode the plan was made without the lock: the module state after `step`
    /// is computed again from the rows, under the lock (before `step`'s row is written).
    pub(super) async fn fresh_step(
        &self,
        tx: &mut PgConnection,
        step: &Step,
    ) -> Result<Step, MigrateError> {
        if !Self::transaction_mode(&self.settings) || !step.records_module {
            return Ok(*step);
        }
        let (count, fingerprint) = self.module_state_from_rows(tx).await?;
        Ok(Step {
            migration: step.migration,
            applied_count_after: count + 1,
            fingerprint_after: fingerprint.xor(&Checksum::fingerprint_part(
                step.migration.version,
                &step.migration.checksum,
            )),
            records_module: true,
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
                self.status_of(&mut tx, step.migration.version).await?
            } else {
                None
            };
            // A resume takes over the failed row; a run claims a migration nobody has.
            let claimable = status.is_none()
                || (resume_after.is_some() && status.as_deref() == Some(STATUS_FAILED));
            match status.as_deref() {
                _ if claimable => {
                    self.insert_running(&mut tx, step, total, resume_after.unwrap_or(0))
                        .await
                        .map_err(MigrateError::db("recording the start of a migration"))?;
                    tx.commit()
                        .await
                        .map_err(MigrateError::db("recording the start of a migration"))?;
                    return Ok(Claim::Owner);
                }
                Some(STATUS_APPLIED) | Some(STATUS_BASELINE) => return Ok(Claim::AlreadyApplied),
                Some(STATUS_FAILED) => {
                    return Err(ApplyError::Other(MigrateError::Dirty {
                        version: step.migration.version,
                        file: step.migration.path.to_owned(),
                        status: STATUS_FAILED.to_owned(),
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
                                "another process applying `{}` (its row is `{STATUS_RUNNING}`; if no process runs it, it died: resolve it with `repair`)",
                                step.migration.path
                            ),
                        }));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
