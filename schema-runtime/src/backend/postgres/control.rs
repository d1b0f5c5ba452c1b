//! A transaction a `-- no-transaction` file opened itself and that is still open when one of
//! its statements fails: rolled back before anything else uses the session.

use super::PgBackend;
use crate::{MigrateError, Migration};
use sqlx::postgres::PgConnection;
use sqlx::Executor;

/// Rolls back the transaction a failed statement left aborted on `conn`; returns whether
/// there was one. A statement that fails inside a transaction block aborts the block, and
/// every query but `ROLLBACK` then fails with SQLSTATE 25P02. The failure being reported stays
/// the statement's, so a rollback that fails is only logged (the session is broken then, and
/// what follows on it fails and says so).
pub(super) async fn end_open_transaction(conn: &mut PgConnection) -> bool {
    let aborted = match conn.execute("SELECT 1").await {
        Ok(_) => false,
        Err(e) => e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|code| code == "25P02"),
    };
    if !aborted {
        return false;
    }
    match conn.execute("ROLLBACK").await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "could not roll back the transaction the migration opened");
            false
        }
    }
}

impl PgBackend<'_> {
    /// How many statements of `m` its row says ran: after a rollback of the file's own
    /// transaction, the progress written inside it is gone with it.
    pub(super) async fn statements_done(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
    ) -> Result<usize, MigrateError> {
        // language=PostgreSQL
        let sql = format!(
            "SELECT statements_done FROM {t} WHERE module = $1 AND version = $2",
            t = self.m
        );
        let query = sqlx::query(&sql).bind(&self.ctx.module).bind(m.version);
        let rows = self
            .fetch_outside(conn, query)
            .await
            .map_err(MigrateError::db("reading the progress of a migration"))?;
        let done: Option<i64> = match rows.first() {
            Some(row) => sqlx::Row::try_get(row, 0)
                .map_err(MigrateError::db("reading the progress of a migration"))?,
            None => None,
        };
        Ok(done.and_then(|d| usize::try_from(d).ok()).unwrap_or(0))
    }
}
