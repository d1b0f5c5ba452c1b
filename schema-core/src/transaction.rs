//! The transaction a `-- no-transaction` file opens itself, followed statement by statement
//! from the statements' first words: what the build check needs (is one left open at the end?)
//! and what the runtime needs (does the progress of a statement go inside that transaction?).

use crate::statement::{savepoint_name, split_statements, survey, TransactionControl};
use std::ops::Range;

/// The transaction a file opened, as SQLite runs the file outside one: a `BEGIN`, or a
/// `SAVEPOINT` taken with no transaction open, which only the `RELEASE` of that savepoint (or
/// of one taken before it) ends. PostgreSQL agrees on every sequence it runs without an error
/// (it refuses a `SAVEPOINT` outside a transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnTransaction {
    /// Its first statement's offset, then the savepoints taken in it (by name).
    open: Vec<(usize, Option<String>)>,
}

impl OwnTransaction {
    /// Follows the statement of `sql` at byte `offset`, which is `control`.
    pub fn follow(&mut self, sql: &str, offset: usize, control: TransactionControl) {
        match control {
            TransactionControl::Begin if self.open.is_empty() => self.open.push((offset, None)),
            TransactionControl::Begin => {}
            TransactionControl::End => self.open.clear(),
            TransactionControl::Savepoint => {
                self.open.push((offset, savepoint_name(sql, offset)));
            }
            TransactionControl::Release => {
                let name = savepoint_name(sql, offset);
                if let Some(at) = self
                    .open
                    .iter()
                    .rposition(|(_, n)| n.is_some() && *n == name)
                {
                    self.open.truncate(at);
                }
            }
        }
    }

    /// Whether a transaction the file opened is open.
    pub fn is_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// Where the statement that opened the open transaction starts, and whether it is a
    /// `SAVEPOINT`.
    pub fn opened_at(&self) -> Option<(usize, bool)> {
        self.open
            .first()
            .map(|(offset, name)| (*offset, name.is_some()))
    }
}

/// One statement of a file as the transaction it opens sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InOwnTransaction {
    /// Whether it starts or ends a transaction, or takes or releases a savepoint.
    pub control: Option<TransactionControl>,
    /// Whether a transaction the file opened is open before it runs.
    pub open_before: bool,
    /// Whether one is open after it ran.
    pub open_after: bool,
}

/// For each statement [`split_statements`] finds in `sql`, how it stands to the transaction
/// the file opens itself.
pub fn own_transaction_states(sql: &str) -> Vec<InOwnTransaction> {
    let controls = survey(sql).transaction_control;
    let mut own = OwnTransaction::default();
    split_statements(sql)
        .iter()
        .map(|stmt| {
            let open_before = own.is_open();
            let control = controls
                .iter()
                .find(|(offset, _)| *offset == stmt.offset)
                .map(|(_, control)| *control);
            if let Some(control) = control {
                own.follow(sql, stmt.offset, control);
            }
            InOwnTransaction {
                control,
                open_before,
                open_after: own.is_open(),
            }
        })
        .collect()
}

/// Where the `BEGIN` and the `COMMIT` are when `sql` is one transaction of its own, as
/// hand-written trackers write their files: its first statement opens a transaction (`BEGIN`,
/// `BEGIN TRANSACTION` or `WORK`, SQLite's `BEGIN DEFERRED|IMMEDIATE|EXCLUSIVE`, `START
/// TRANSACTION`), its last commits it (`COMMIT` or `END`, with `TRANSACTION` or `WORK`), and
/// no statement between ends or opens one (a savepoint is fine). Such a file runs as the
/// transaction it declares when its statements between the two run in the migration's own.
/// `None` for any other file, such as one that sets an isolation level in its `BEGIN`.
pub(crate) fn wrapping(sql: &str) -> Option<[Range<usize>; 2]> {
    let statements = split_statements(sql);
    let (first, last) = (statements.first()?, statements.last()?);
    if statements.len() < 2 {
        return None;
    }
    let words = |text: &str| -> Vec<String> {
        text.trim_end_matches(';')
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect()
    };
    let begin = words(first.text);
    let begin: Vec<&str> = begin.iter().map(String::as_str).collect();
    let opens = matches!(
        begin.as_slice(),
        ["BEGIN"]
            | ["BEGIN", "TRANSACTION" | "WORK"]
            | ["BEGIN", "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE"]
            | [
                "BEGIN",
                "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE",
                "TRANSACTION"
            ]
            | ["START", "TRANSACTION"]
    );
    let end = words(last.text);
    let end: Vec<&str> = end.iter().map(String::as_str).collect();
    let commits = matches!(
        end.as_slice(),
        ["COMMIT" | "END"] | ["COMMIT" | "END", "TRANSACTION" | "WORK"]
    );
    let between_ok = survey(sql).transaction_control.iter().all(|(offset, c)| {
        *offset <= first.offset
            || *offset >= last.offset
            || matches!(
                c,
                TransactionControl::Savepoint | TransactionControl::Release
            )
    });
    (opens && commits && between_ok).then(|| {
        [
            first.offset..first.offset + first.text.len(),
            last.offset..last.offset + last.text.len(),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_begin_and_commit_that_wrap_a_file() {
        let sql =
            "-- tracker\nBEGIN;\nCREATE TABLE a (x INT);\nSAVEPOINT s;\nRELEASE s;\nCOMMIT;\n";
        let [begin, commit] = wrapping(sql).unwrap();
        assert_eq!((&sql[begin], &sql[commit]), ("BEGIN;", "COMMIT;"));
        for (open, close) in [
            ("BEGIN TRANSACTION;", "END TRANSACTION;"),
            ("start transaction;", "commit work;"),
            ("BEGIN IMMEDIATE;", "END"),
        ] {
            let sql = format!("{open}\nINSERT INTO a VALUES (1);\n{close}");
            assert!(wrapping(&sql).is_some(), "{sql}");
        }
    }

    #[test]
    fn a_file_that_is_not_one_transaction_is_not_wrapped() {
        for sql in [
            "BEGIN;\nCOMMIT;\nBEGIN;\nSELECT 1;\nCOMMIT;",
            "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;",
            "BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;",
            "BEGIN ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;\nCOMMIT;",
            "BEGIN;\nSELECT 1;\nROLLBACK;",
            "BEGIN;",
            "SELECT 1;",
        ] {
            assert_eq!(wrapping(sql), None, "{sql}");
        }
    }

    #[test]
    fn statements_between_begin_and_commit_are_inside_the_files_transaction() {
        let states = own_transaction_states(
            "CREATE TABLE a (x INT);\nBEGIN;\nINSERT INTO a VALUES (1);\nCOMMIT;\nSAVEPOINT s;\nRELEASE s;\nVACUUM;",
        );
        let open: Vec<(bool, bool)> = states
            .iter()
            .map(|s| (s.open_before, s.open_after))
            .collect();
        assert_eq!(
            open,
            [
                (false, false),
                (false, true),
                (true, true),
                (true, false),
                (false, true),
                (true, false),
                (false, false)
            ]
        );
        assert_eq!(states[3].control, Some(TransactionControl::End));
        assert_eq!(states[0].control, None);
    }
}
