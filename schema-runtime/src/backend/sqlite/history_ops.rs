//! Reverting, and reading other tools' history tables.

use super::{control, missing_table, quote, run_statements, SqliteBackend};
use crate::backend::{millis, other_rows, ApplyError, Step};
use crate::tracking::other::{OtherQuery, Value};
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

    pub(super) async fn read_other_rows(
        &mut self,
        query: &OtherQuery<'_>,
    ) -> Result<Option<Vec<Vec<Value>>>, MigrateError> {
        let sql = query.sql(&self.target().syntax);
        let mut conn = self.take_conn().await?;
        let rows = sqlx::query(&sql).fetch_all(&mut *conn).await;
        self.conn = Some(conn);
        other_rows(rows, missing_table, query)
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

    /// The columns of `table` in order, or `None` when there is no such table. The name is
    /// looked up as the unqualified name [`Self::count_table_rows`] counts is (the temporary
    /// schema, then the main one, then those attached).
    pub(super) async fn table_column_names(
        &mut self,
        table: &str,
    ) -> Result<Option<Vec<String>>, MigrateError> {
        // language=SQLite
        let sql = "SELECT name FROM pragma_table_info(?1) ORDER BY cid";
        let mut conn = self.take_conn().await?;
        let names = sqlx::query_scalar::<_, String>(sql)
            .bind(table)
            .fetch_all(&mut *conn)
            .await;
        self.conn = Some(conn);
        let names = names.map_err(MigrateError::db(format!(
            "reading the columns of `{table}`"
        )))?;
        Ok((!names.is_empty()).then_some(names))
    }
}
