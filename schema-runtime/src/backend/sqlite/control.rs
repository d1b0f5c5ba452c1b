//! A transaction a `-- no-transaction` file opened itself and that is still open when one of
//! its statements fails: rolled back before anything else uses the connection.

use super::SqliteBackend;
use crate::{MigrateError, Migration};
use sqlx::sqlite::SqliteConnection;
use sqlx::Executor;

/// Whether SQLite refused a `COMMIT` or `ROLLBACK` because no transaction was open.
fn no_transaction_active(e: &sqlx::Error) -> bool {
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

impl SqliteBackend<'_> {
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
