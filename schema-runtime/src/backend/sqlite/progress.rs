//! A `-- no-transaction` file's statements, each with its progress kept as
//! [`crate::backend::progress`] says: a statement outside the file's own transaction runs with
//! its progress in one `BEGIN IMMEDIATE` transaction of their own (one commit per statement,
//! where autocommit and a separate progress write took two), unless SQLite refuses it in a
//! transaction or ignores it there (`VACUUM`, `ATTACH`, `DETACH`, and `PRAGMA`, some of which,
//! like `foreign_keys`, do nothing inside one): such a statement is noted as started first.

use super::{control, SqliteBackend};
use crate::backend::progress::{first_word, started_note, Keeping};
use crate::backend::{run_counted, ApplyError, ApplyFailure, CallShape, Culprit};
use crate::{MigrateError, Migration};
use futures_util::future::BoxFuture;
use schema_core::Statement;
use sqlx::sqlite::SqliteConnection;
use sqlx::Executor;

/// Statements SQLite refuses inside a transaction, or ignores there.
const OUTSIDE_ONLY: [&str; 4] = ["VACUUM", "ATTACH", "DETACH", "PRAGMA"];

impl SqliteBackend<'_> {
    /// Runs `stmt`, one of the `total` statements of `m`, and records its progress. Boxed, as
    /// [`run_counted`] is, for the callers' futures to pass the higher-ranked `Send` check. A
    /// rollback that fails sets `unknown_state`.
    pub(super) fn run_with_progress<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        m: &'a Migration,
        stmt: &'a Statement<'a>,
        keeping: Keeping,
        total: usize,
        unknown_state: &'a mut bool,
    ) -> BoxFuture<'a, Result<(), ApplyError>> {
        Box::pin(async move {
            let done = self.progress_sql(m, stmt.number, None);
            let recording = MigrateError::db("recording the progress of a migration");
            match keeping {
                Keeping::Alone if !OUTSIDE_ONLY.contains(&first_word(stmt.text).as_str()) => {
                    return self
                        .run_wrapped(conn, stmt, &done, total, unknown_state)
                        .await;
                }
                Keeping::Inside => {
                    self.run_one(conn, m, stmt, total, false, unknown_state)
                        .await?;
                }
                Keeping::Ends => {
                    conn.execute(done.as_str()).await.map_err(recording)?;
                    self.run_one(conn, m, stmt, total, false, unknown_state)
                        .await?;
                }
                Keeping::Alone | Keeping::Noted => {
                    let note =
                        self.progress_sql(m, stmt.number - 1, Some(&started_note(stmt.number)));
                    conn.execute(note.as_str()).await.map_err(recording)?;
                    self.run_one(conn, m, stmt, total, true, unknown_state)
                        .await?;
                }
            }
            conn.execute(done.as_str())
                .await
                .map_err(MigrateError::db("recording the progress of a migration"))?;
            Ok(())
        })
    }

    /// `UPDATE` of `m`'s row: `done` statements, and `note` as its error.
    fn progress_sql(&self, m: &Migration, done: usize, note: Option<&str>) -> String {
        self.target().progress(m.version, done, note)
    }

    /// `stmt` and its progress `done` in one transaction of their own, in one call.
    async fn run_wrapped(
        &self,
        conn: &mut SqliteConnection,
        stmt: &Statement<'_>,
        done: &str,
        total: usize,
        unknown_state: &mut bool,
    ) -> Result<(), ApplyError> {
        let text = format!("BEGIN IMMEDIATE;\n{}\n;\n{done};\nCOMMIT;", stmt.text);
        let mut completed = 0;
        let Err(source) = run_counted::<sqlx::Sqlite>(conn, &text, &mut completed).await else {
            return Ok(());
        };
        control::end_open_transaction(conn, unknown_state).await;
        let shape = CallShape {
            begin: 1,
            file: 1,
            record: 1,
        };
        Err(match shape.culprit(completed) {
            Culprit::Begin => {
                MigrateError::db("starting the transaction of a statement")(source).into()
            }
            Culprit::Record => {
                MigrateError::db("recording the progress of a migration")(source).into()
            }
            // A deferred constraint fails at the commit: the statement's failure, as it would
            // be in autocommit.
            Culprit::Statement(_) | Culprit::Commit => {
                ApplyError::Statement(ApplyFailure::of(stmt, total, 0, None, source))
            }
        })
    }

    /// Runs `stmt` alone. On failure, a transaction the file opened and left open is rolled
    /// back, and the failure says how far the progress that survived it got. `noted`: it ran
    /// outside any transaction, noted as started.
    async fn run_one(
        &self,
        conn: &mut SqliteConnection,
        m: &Migration,
        stmt: &Statement<'_>,
        total: usize,
        noted: bool,
        unknown_state: &mut bool,
    ) -> Result<(), ApplyError> {
        let Err(source) = conn.execute(stmt.text).await else {
            return Ok(());
        };
        let answered = source.as_database_error().is_some();
        let mut failure = ApplyFailure::of(stmt, total, 0, None, source);
        failure.may_have_run = noted && !answered;
        // A transaction the file opened itself and that is still open would hold the write
        // lock and every later use of this pooled connection: roll it back, then read how far
        // the progress that survived it says it got.
        failure.own_transaction_rolled_back =
            control::end_open_transaction(conn, unknown_state).await;
        if failure.own_transaction_rolled_back {
            if let Ok(done) = self.statements_done(conn, m).await {
                failure.statements_done = done;
            }
        }
        Err(ApplyError::Statement(failure))
    }
}
