//! Reverting, and reading other tools' history tables.

use super::{control, missing_table, quote, run_statements, SqliteBackend};
use crate::backend::{decode, millis, ApplyError, SqlxColumns, SqlxRow, Step};
use crate::MigrateError;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};

impl SqliteBackend<'_> {
    pub(super) async fn revert_one(&mut self, step: &Step) -> Result<Duration, ApplyError> {
        self.tables_ready().await?;
        let down = step.migration;
        let mut conn = self.take_conn().await?;
        let lent = super::settings::Lent::before(&mut conn, &[down.sql]).await;
        let mut unknown_state = false;
        let result = async {
            let started = Instant::now();
            // A `-- no-transaction` down runs statement by statement on its own; its record
            // then takes a transaction of its own.
            let mut tx = if down.no_transaction() {
                let ran = match run_statements(&mut conn, down.sql, 0).await {
                    Ok(ran) => ran,
                    Err(mut failure) => {
                        failure.own_transaction_rolled_back =
                            control::end_open_transaction(&mut conn, &mut unknown_state).await;
                        return Err(ApplyError::Statement(failure));
                    }
                };
                // As after an up: a transaction the file left open is not handed on.
                if control::end_open_transaction(&mut conn, &mut unknown_state).await {
                    return Err(ApplyError::LeftOpen {
                        statements_done: None,
                        statements_total: ran,
                    });
                }
                conn.begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(MigrateError::db(
                        "starting the transaction that records a revert",
                    ))?
            } else {
                let mut tx = conn
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(MigrateError::db("starting a revert's transaction"))?;
                if let Err(failure) = run_statements(&mut tx, down.sql, 0).await {
                    let _ = tx.rollback().await;
                    return Err(ApplyError::Statement(failure));
                }
                tx
            };
            let duration = started.elapsed();
            let record = self.render(&step.records(millis(duration), 0));
            let record = async {
                (&mut *tx).execute(sqlx::raw_sql(&record.text)).await?;
                tx.commit().await
            };
            record
                .await
                .map_err(MigrateError::db("recording a revert"))?;
            Ok(duration)
        }
        .await;
        self.hand_back(conn, lent, unknown_state).await;
        result
    }

    pub(super) async fn read_sqlx_rows(&mut self) -> Result<Option<Vec<SqlxRow>>, MigrateError> {
        // language=SQLite
        let sql =
            "SELECT version, description, success, checksum FROM _sqlx_migrations ORDER BY version";
        let rows = match sqlx::query(sql).fetch_all(self.pool).await {
            Ok(rows) => rows,
            Err(e) if missing_table(&e) => return Ok(None),
            Err(e) => return Err(MigrateError::db("reading `_sqlx_migrations`")(e)),
        };
        let rows: Vec<SqlxColumns> =
            decode(&rows).map_err(MigrateError::db("reading `_sqlx_migrations`"))?;
        Ok(Some(rows.into_iter().map(SqlxRow::from).collect()))
    }

    /// The rows of `table`, or `None` when there is no such table (another tool's history).
    pub(super) async fn count_table_rows(
        &mut self,
        table: &str,
    ) -> Result<Option<i64>, MigrateError> {
        // language=SQLite
        let sql = format!("SELECT count(*) FROM {}", quote(table));
        let mut conn = self.take_conn().await?;
        let count = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await;
        self.conn = Some(conn);
        match count {
            Ok(count) => Ok(Some(count)),
            Err(e) if missing_table(&e) => Ok(None),
            Err(e) => Err(MigrateError::db(format!("counting the rows of `{table}`"))(
                e,
            )),
        }
    }
}
