//! A transaction a `-- no-transaction` file opened itself and that is still open when one of
//! its statements fails: rolled back before anything else uses the connection.

use super::SqliteBackend;
use crate::backend::ApplyError;
use crate::{MigrateError, Migration};
use sqlx::sqlite::SqliteConnection;
use sqlx::Executor;

/// Whether SQLite refused a `COMMIT` or `ROLLBACK` because no transaction was open.
pub(super) fn no_transaction_active(e: &sqlx::Error) -> bool {
    e.to_string().contains("no transaction is active")
}

/// Rolls back a transaction left open on `conn`; returns whether there was one. A rollback
/// that fails for another reason sets `unknown_state`: the connection must not be reused. The
/// failure being reported stays the statement's, so this one is only logged.
pub(super) async fn end_open_transaction(
    conn: &mut SqliteConnection,
    unknown_state: &mut bool,
) -> bool {
    match conn.execute("ROLLBACK").await {
        Ok(_) => true,
        Err(e) if no_transaction_active(&e) => false,
        Err(e) => {
            *unknown_state = true;
            tracing::warn!(error = %e, "could not roll back the transaction the migration opened; closing its connection");
            false
        }
    }
}

/// Logs that the connection to an in-memory database stays in the pool although its rollback
/// failed with `error`: closing it would lose the database, and whether a transaction is still
/// open on it could not be verified.
pub(super) fn kept_unverified(error: &sqlx::Error) {
    tracing::warn!(error = %error, "could not roll back on the connection to an in-memory SQLite database; it stays in the pool, as closing it would lose the database, and may still be inside the migration's transaction");
}

/// Rolls back what a migration may have left open on the connection to an in-memory database,
/// which is kept whatever the outcome.
pub(super) async fn roll_back_kept(conn: &mut SqliteConnection) {
    match conn.execute("ROLLBACK").await {
        Ok(_) => {
            tracing::info!("rolled back the transaction a migration left open on the connection to an in-memory SQLite database");
        }
        Err(e) if no_transaction_active(&e) => {}
        Err(e) => kept_unverified(&e),
    }
}

impl SqliteBackend<'_> {
    /// After a `-- no-transaction` file of `m` failed: a transaction still open on `conn` (a
    /// progress write inside the file's own transaction failed, and nothing rolled it back)
    /// is rolled back before the connection goes back, and `error` then says so and how far
    /// the progress that survived it got. A rollback that fails sets `unknown_state`.
    pub(super) async fn end_after_failure(
        &self,
        conn: &mut SqliteConnection,
        m: &Migration,
        error: ApplyError,
        unknown_state: &mut bool,
    ) -> ApplyError {
        if *unknown_state || !end_open_transaction(conn, unknown_state).await {
            return error;
        }
        let done = self.statements_done(conn, m).await.ok();
        match error {
            ApplyError::Statement(mut failure) => {
                failure.own_transaction_rolled_back = true;
                if let Some(done) = done {
                    failure.statements_done = done;
                }
                ApplyError::Statement(failure)
            }
            ApplyError::Other(MigrateError::Database {
                context,
                source,
                applied_before,
            }) => {
                let progress = done.map_or_else(String::new, |done| {
                    format!(", and its row counts {done} statements done")
                });
                MigrateError::Database {
                    context: format!("{context} (the transaction the file had opened was rolled back with what it ran since opening it{progress})"),
                    source,
                    applied_before,
                }
                .into()
            }
            other => other,
        }
    }

    /// How many statements of `m` its row says ran: after a rollback of the file's own
    /// transaction, the progress written inside it is gone with it.
    pub(super) async fn statements_done(
        &self,
        conn: &mut SqliteConnection,
        m: &Migration,
    ) -> Result<usize, MigrateError> {
        // language=SQLite
        let sql = format!(
            "SELECT statements_done FROM {t} WHERE module = ?1 AND version = ?2",
            t = self.m
        );
        let done: Option<i64> = sqlx::query_scalar(&sql)
            .bind(&self.ctx.module)
            .bind(m.version)
            .fetch_optional(&mut *conn)
            .await
            .map_err(MigrateError::db("reading the progress of a migration"))?;
        Ok(done.and_then(|d| usize::try_from(d).ok()).unwrap_or(0))
    }
}
