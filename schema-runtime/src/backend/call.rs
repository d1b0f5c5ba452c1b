//! A migration's statements on their way to the database: how a failure is traced to the
//! statement that caused it (counted in one call, or pointed at by the database), and what a
//! failed apply tells the engine.

use super::progress;
use crate::MigrateError;

/// Why applying failed: which step and statement, and the database's error.
#[derive(Debug)]
pub(crate) struct ApplyFailure {
    pub step: usize,
    pub statement: usize,
    pub line: usize,
    pub column: usize,
    pub statements_done: usize,
    pub statements_total: usize,
    pub source: sqlx::Error,
    /// A `-- no-transaction` file's own transaction was open at the failure and was rolled
    /// back: the statements it ran since opening it are undone.
    pub own_transaction_rolled_back: bool,
    /// The statement ran outside any transaction and the database did not answer with an
    /// error of its own (the connection was lost): it may have run to its end.
    pub may_have_run: bool,
}

impl ApplyFailure {
    /// The failure of `stmt`, one of the `total` statements of step `step`'s file, at the
    /// 1-based character `position` inside it where the database gave one (PostgreSQL).
    pub(crate) fn of(
        stmt: &schema_core::Statement<'_>,
        total: usize,
        step: usize,
        position: Option<usize>,
        source: sqlx::Error,
    ) -> Self {
        let (line, column) = locate(stmt, position);
        ApplyFailure {
            step,
            statement: stmt.number,
            line,
            column,
            statements_done: stmt.number - 1,
            statements_total: total,
            source,
            own_transaction_rolled_back: false,
            may_have_run: false,
        }
    }

    /// The text recorded in the history and in a failed row.
    pub(crate) fn detail(&self) -> String {
        let rolled_back = if self.own_transaction_rolled_back {
            "; the transaction the file had opened was still open and was rolled back"
        } else {
            ""
        };
        let in_doubt = if self.may_have_run {
            format!(
                "{}statement {} may have run (the connection was lost while it ran); ",
                progress::IN_DOUBT,
                self.statement
            )
        } else {
            String::new()
        };
        format!(
            "{in_doubt}statement {} (line {}, column {}) failed after {} of {} statements: {}{rolled_back}",
            self.statement,
            self.line,
            self.column,
            self.statements_done,
            self.statements_total,
            self.source
        )
    }
}

/// The line and column in the file of a 1-based character `position` inside `stmt` (the
/// position PostgreSQL reports), or of the statement's start without one.
pub(crate) fn locate(stmt: &schema_core::Statement<'_>, position: Option<usize>) -> (usize, usize) {
    let Some(position) = position.filter(|p| *p >= 1) else {
        return (stmt.line, stmt.column);
    };
    let before: String = stmt.text.chars().take(position - 1).collect();
    match before.rfind('\n') {
        None => (stmt.line, stmt.column + before.chars().count()),
        Some(newline) => (
            stmt.line + before.matches('\n').count(),
            before[newline + 1..].chars().count() + 1,
        ),
    }
}

/// A failed apply: a statement of a migration failed, its transaction could not commit, or
/// the database failed around it.
#[derive(Debug)]
pub(crate) enum ApplyError {
    Statement(ApplyFailure),
    /// Every statement of step `step` ran, and its `COMMIT` failed (a deferred constraint).
    Commit {
        step: usize,
        source: sqlx::Error,
    },
    /// Every statement of a `-- no-transaction` file ran, and a transaction it opened was still
    /// open at its end: it was rolled back. `statements_done` of them stand, where the file's
    /// progress is recorded (an up's, not a down's). Only the SQLite backend looks: on
    /// PostgreSQL the `BEGIN` and `COMMIT` around the migration's record commit such a
    /// transaction with it, and the connection is left with none open.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    LeftOpen {
        statements_done: Option<usize>,
        statements_total: usize,
    },
    Other(MigrateError),
}

impl From<MigrateError> for ApplyError {
    fn from(e: MigrateError) -> Self {
        ApplyError::Other(e)
    }
}

/// The statements of a migration sent in one call, in the order the database runs them: `begin`
/// statements that open its transaction, the file's, `record` statements that write its
/// tracking rows, then (with `begin`) the `COMMIT`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallShape {
    pub begin: usize,
    pub file: usize,
    pub record: usize,
}

/// What a failed call's error belongs to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Culprit {
    Begin,
    /// The file's statement with this 0-based index.
    Statement(usize),
    Record,
    Commit,
}

impl CallShape {
    /// The statement that was running when the call failed: the one after the `completed`
    /// ones the database reported.
    pub(crate) fn culprit(&self, completed: usize) -> Culprit {
        let file_end = self.begin + self.file;
        if completed < self.begin {
            Culprit::Begin
        } else if completed < file_end {
            Culprit::Statement(completed - self.begin)
        } else if completed < file_end + self.record {
            Culprit::Record
        } else {
            Culprit::Commit
        }
    }
}

/// The failure of the file's statement `index` (0-based) in a one-call migration, at the
/// 1-based character `position` inside it if the database gave one.
pub(crate) fn statement_failure(
    stmts: &[schema_core::Statement<'_>],
    index: usize,
    position: Option<usize>,
    step: usize,
    source: sqlx::Error,
) -> ApplyError {
    match stmts.get(index) {
        Some(stmt) => {
            ApplyError::Statement(ApplyFailure::of(stmt, stmts.len(), step, position, source))
        }
        None => MigrateError::db("applying a migration")(source).into(),
    }
}

/// Runs `text` (several statements) in one call, counting the statements the database reports
/// complete: with no error position to go by, the statement that failed is the one after
/// those. Boxed: the stream's executor lifetime otherwise makes the callers' futures fail the
/// higher-ranked `Send` check that spawning them needs.
pub(crate) fn run_counted<'a, DB>(
    conn: &'a mut DB::Connection,
    text: &'a str,
    completed: &'a mut usize,
) -> futures_util::future::BoxFuture<'a, Result<(), sqlx::Error>>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    use futures_util::TryStreamExt;
    Box::pin(async move {
        let mut results = sqlx::raw_sql(text).fetch_many(conn);
        while let Some(result) = results.try_next().await? {
            if let sqlx::Either::Left(_) = result {
                *completed += 1;
            }
        }
        Ok(())
    })
}

/// The statements of a migration as `schema-core` splits them: what a failure is named by,
/// and what a `-- no-transaction` file runs one by one.
pub(crate) fn statements(sql: &str) -> Vec<schema_core::Statement<'_>> {
    schema_core::split_statements(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_an_error_position_in_the_file() {
        let sql = "-- header\nCREATE TABLE a (\n  id INT,\n  x NOPE\n);";
        let stmt = &schema_core::split_statements(sql)[0];
        assert_eq!((stmt.line, stmt.column), (2, 1));
        assert_eq!(locate(stmt, None), (2, 1));
        assert_eq!(locate(stmt, Some(8)), (2, 8));
        let nope = stmt.text.find("NOPE").unwrap() + 1;
        assert_eq!(locate(stmt, Some(nope)), (4, 5));
    }
}

#[cfg(test)]
mod call_tests {
    use super::{CallShape, Culprit};

    #[test]
    fn the_statement_after_the_completed_ones_failed() {
        let shape = CallShape {
            begin: 1,
            file: 3,
            record: 2,
        };
        let culprits: Vec<Culprit> = (0..=6).map(|done| shape.culprit(done)).collect();
        assert_eq!(
            culprits,
            [
                Culprit::Begin,
                Culprit::Statement(0),
                Culprit::Statement(1),
                Culprit::Statement(2),
                Culprit::Record,
                Culprit::Record,
                Culprit::Commit
            ]
        );
        let without_begin = CallShape {
            begin: 0,
            file: 1,
            record: 1,
        };
        assert_eq!(without_begin.culprit(0), Culprit::Statement(0));
        assert_eq!(without_begin.culprit(1), Culprit::Record);
    }
}
