//! A transactional migration in one round trip: `BEGIN`, the file, its tracking rows and
//! `COMMIT` sent as one simple query. PostgreSQL parses the whole text first and runs its
//! statements in order, stopping at the first error, so nothing of a failed migration stays.
//!
//! What failed is found back in two ways. An error with a position (a syntax error, an unknown
//! column) points into the text, and the file's part of it names the statement, line and
//! column. An error without one (a constraint, a lock timeout, the session killed) happened in
//! the statement after the last one the server reported complete: every statement of a simple
//! query sends its own `CommandComplete` as it finishes.
//!
//! Used where the run holds its session lock (session lock mode). Behind a transaction-pooling
//! proxy (transaction lock mode) each transaction first takes its own lock and looks again at
//! the rows, which needs answers in between: that mode keeps one statement per round trip.

use super::{error_position, PgBackend, Step};
use crate::backend::{run_counted, statement_failure, statements, ApplyError, CallShape, Culprit};
use crate::tracking::records::Millis;
use crate::MigrateError;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};

/// The server-side time since the query arrived, in whole milliseconds: the migration's own
/// duration, measured where it ran.
// language=PostgreSQL
const ELAPSED_MS: &str =
    "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint";

/// Where the statements of one batch come from, in the order the server runs them.
struct Batch {
    text: String,
    /// Characters before the file's text.
    prefix_chars: usize,
    /// Its statements, the file's as the splitter sees them.
    shape: CallShape,
    file_chars: usize,
}

impl Batch {
    /// The 1-based character position in the file that the error points at, if it does.
    fn position_in_file(&self, error: &sqlx::Error) -> Option<usize> {
        let position = error_position(error)?;
        (position > self.prefix_chars && position <= self.prefix_chars + self.file_chars)
            .then(|| position - self.prefix_chars)
    }
}

impl PgBackend<'_> {
    /// Applies `steps` in one transaction, each step's file and tracking rows in one round
    /// trip; a single step also carries its `BEGIN` and `COMMIT`.
    pub(super) async fn apply_batched(
        &self,
        conn: &mut PgConnection,
        steps: &[Step],
    ) -> Result<Vec<Option<Duration>>, ApplyError> {
        if let [step] = steps {
            let duration = self.run_batch(conn, step, 0, true).await?;
            return Ok(vec![Some(duration)]);
        }
        let mut tx = conn
            .begin()
            .await
            .map_err(MigrateError::db("starting a migration's transaction"))?;
        let mut durations = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            match self.run_batch(&mut tx, step, index, false).await {
                Ok(duration) => durations.push(Some(duration)),
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            }
        }
        tx.commit()
            .await
            .map_err(MigrateError::db("committing a migration"))?;
        Ok(durations)
    }

    /// Runs one step's batch; `own_transaction` wraps it in `BEGIN` and `COMMIT`. On failure
    /// the transaction it began is rolled back.
    async fn run_batch(
        &self,
        conn: &mut PgConnection,
        step: &Step,
        step_index: usize,
        own_transaction: bool,
    ) -> Result<Duration, ApplyError> {
        let sql = step.migration.sql;
        let batch = self.batch(step, step.migration.statement_count, own_transaction);
        let started = Instant::now();
        let mut completed = 0;
        let Err(source) = run_counted::<sqlx::Postgres>(conn, &batch.text, &mut completed).await
        else {
            return Ok(started.elapsed());
        };
        if own_transaction {
            // The server skipped the rest of the text; its transaction is aborted. Fails
            // harmlessly when the session is gone or the failure was the commit itself.
            let _ = (&mut *conn).execute("ROLLBACK").await;
        }
        // Split only now: the count was taken at build time.
        let stmts = statements(sql);
        if let Some(position) = batch.position_in_file(&source) {
            return Err(match statement_at(sql, &stmts, position) {
                Some((index, within)) => {
                    statement_failure(&stmts, index, within, step_index, source)
                }
                None => MigrateError::db("applying a migration")(source).into(),
            });
        }
        Err(match batch.shape.culprit(completed) {
            Culprit::Begin => MigrateError::db("starting a migration's transaction")(source).into(),
            Culprit::Statement(index) => statement_failure(&stmts, index, None, step_index, source),
            Culprit::Record => MigrateError::db(
                "recording an applied migration (its transaction was rolled back: nothing of it was applied)",
            )(source)
            .into(),
            Culprit::Commit => ApplyError::Commit {
                step: step_index,
                source,
            },
        })
    }

    /// The text of one step's batch.
    fn batch(&self, step: &Step, file_statements: usize, own_transaction: bool) -> Batch {
        let m = step.migration;
        let prefix = if own_transaction { "BEGIN;\n" } else { "" };
        let record =
            self.render(&step.records(Millis::Expr(ELAPSED_MS.to_owned()), file_statements));
        // A newline ends a last line comment of the file; `;` ends a last statement without one.
        let suffix = if own_transaction { "\nCOMMIT;" } else { "" };
        Batch {
            text: format!(
                "{prefix}{sql}\n;\n{record}{suffix}",
                sql = m.sql,
                record = record.text
            ),
            prefix_chars: prefix.chars().count(),
            shape: CallShape {
                begin: usize::from(own_transaction),
                file: file_statements,
                record: record.statements,
            },
            file_chars: m.sql.chars().count(),
        }
    }
}

/// The index of the statement holding the 1-based character `position` of `sql` (the one
/// before it, between statements), and the position inside that statement.
fn statement_at(
    sql: &str,
    stmts: &[schema_core::Statement<'_>],
    position: usize,
) -> Option<(usize, Option<usize>)> {
    let byte = sql
        .char_indices()
        .nth(position.checked_sub(1)?)
        .map_or(sql.len(), |(b, _)| b);
    let index = stmts.iter().rposition(|s| s.offset <= byte)?;
    let start_chars = sql[..stmts[index].offset].chars().count();
    Some((
        index,
        (position - 1).checked_sub(start_chars).map(|p| p + 1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::call::locate;

    #[test]
    fn a_position_in_the_file_names_the_statement_and_where_in_it() {
        let sql = "-- prix en €\nCREATE TABLE é (a INT);\nSELECT nope;";
        let stmts = statements(sql);
        let nope = sql[..sql.find("nope").unwrap()].chars().count() + 1;
        assert_eq!(statement_at(sql, &stmts, nope), Some((1, Some(8))));
        let (line, column) = locate(&stmts[1], Some(8));
        assert_eq!((line, column), (3, 8));
        // In the comment before the first statement: no statement to name.
        assert_eq!(statement_at(sql, &stmts, 3), None);
        assert_eq!(statement_at(sql, &stmts, 0), None);
    }
}
