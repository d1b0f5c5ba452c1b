//! Reverting, and reading other tools' history tables.

use super::xact::begin_locked;
use super::{control, missing_table, quote, run_statements, PgBackend};
use crate::backend::{millis, other_rows, ApplyError, Step};
use crate::tracking::other::{OtherQuery, Value};
use crate::MigrateError;
use sqlx::Row;
use std::time::{Duration, Instant};

impl PgBackend<'_> {
    pub(super) async fn revert_one(&mut self, step: &Step) -> Result<Duration, ApplyError> {
        let down = step.migration;
        let mut conn = self.take_conn().await?;
        // A transactional down reads its custom settings in its transaction.
        let sql = if down.no_transaction() { down.sql } else { "" };
        let custom = match self.before_outside(&mut conn, sql).await {
            Ok(custom) => custom,
            Err(e) => {
                self.put_conn(conn);
                return Err(e.into());
            }
        };
        let result = async {
            let started = Instant::now();
            // A `-- no-transaction` down (`DROP INDEX CONCURRENTLY`) runs statement by
            // statement on its own; its record then takes a transaction of its own.
            let mut tx = if down.no_transaction() {
                if let Err(mut failure) = run_statements(&mut conn, down.sql, 0).await {
                    failure.own_transaction_rolled_back =
                        control::end_open_transaction(&mut conn).await;
                    return Err(ApplyError::Statement(failure));
                }
                // Under the transaction lock in transaction lock mode, as every write.
                begin_locked!(self, conn)
            } else {
                let mut tx = begin_locked!(self, conn);
                let custom = self.custom_before(&mut tx, &[down.sql]).await?;
                if let Err(failure) = run_statements(&mut tx, down.sql, 0).await {
                    let _ = tx.rollback().await;
                    return Err(ApplyError::Statement(failure));
                }
                // Before the commit, as for a migration: behind a transaction-pooling proxy
                // the server connection serves other clients as soon as it is done.
                if let Err(e) = self.settle_before_commit(&mut tx, &[down], &custom).await {
                    let _ = tx.rollback().await;
                    return Err(e.into());
                }
                tx
            };
            let duration = started.elapsed();
            self.run_records(&mut tx, &step.records(millis(duration), 0))
                .await?;
            tx.commit()
                .await
                .map_err(MigrateError::db("recording a revert"))?;

            Ok(duration)
        }
        .await;
        if down.no_transaction() {
            self.settle_outside(&mut conn, down.sql, &custom).await;
        }
        self.put_conn(conn);
        result
    }

    pub(super) async fn read_other_rows(
        &mut self,
        query: &OtherQuery<'_>,
    ) -> Result<Option<Vec<Vec<Value>>>, MigrateError> {
        let sql = query.sql(&self.target().syntax);
        let rows = self
            .fetch_pooled(sqlx::query(&sql).persistent(self.cached()))
            .await;
        other_rows(rows, missing_table, query)
    }

    /// The rows of `table`, or `None` when there is no such table (another tool's history).
    pub(super) async fn count_table_rows(
        &mut self,
        table: &str,
    ) -> Result<Option<i64>, MigrateError> {
        // language=PostgreSQL
        let sql = format!("SELECT count(*) FROM {}", quote(table));
        match self
            .fetch_pooled(sqlx::query(&sql).persistent(self.cached()))
            .await
        {
            Ok(rows) => rows
                .first()
                .map(|row| row.try_get::<i64, _>(0))
                .transpose()
                .map(|count| Some(count.unwrap_or(0)))
                .map_err(MigrateError::db(format!("counting the rows of `{table}`"))),
            Err(e) if missing_table(&e) => Ok(None),
            Err(e) => Err(MigrateError::db(format!("counting the rows of `{table}`"))(
                e,
            )),
        }
    }

    /// The columns of `table` in order, or `None` when there is no such table. The name is
    /// resolved through the search path, as the unqualified name [`Self::count_table_rows`]
    /// counts.
    pub(super) async fn table_column_names(
        &mut self,
        table: &str,
    ) -> Result<Option<Vec<String>>, MigrateError> {
        // language=PostgreSQL
        let sql = "SELECT attname::text FROM pg_attribute \
                   WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped \
                   ORDER BY attnum";
        let query = sqlx::query(sql)
            .persistent(self.cached())
            .bind(quote(table));
        let rows = self
            .fetch_pooled(query)
            .await
            .map_err(MigrateError::db(format!(
                "reading the columns of `{table}`"
            )))?;
        let names = rows
            .iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(MigrateError::db(format!(
                "reading the columns of `{table}`"
            )))?;
        Ok((!names.is_empty()).then_some(names))
    }
}
