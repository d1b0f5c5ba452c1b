//! How a `-- no-transaction` file records its progress so that the record is never wrong:
//! each statement's progress is written in the same transaction as the statement wherever the
//! database allows it, and where it does not, a note that the statement started is written
//! before it runs, so that a crash leaves a row that says the statement may have run.

use crate::backend::AppliedRow;
use crate::report::Progress;
use crate::tracking::state::Status;

/// What a row's `error` starts with when the statement after its `statements_done` may have
/// run: it was started outside any transaction and nothing recorded how it ended.
pub(crate) const IN_DOUBT: &str = "in doubt: ";

/// The note a `running` row carries while statement `number` runs outside any transaction.
pub(crate) fn started_note(number: usize) -> String {
    format!("{IN_DOUBT}statement {number} was started outside a transaction, and nothing recorded its end")
}

/// How statement and progress are kept together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keeping {
    /// It opens the file's own transaction or runs inside it: its progress is written after
    /// it, in that transaction, and commits or rolls back with it.
    Inside,
    /// It ends the file's own transaction: its progress is written before it, in the
    /// transaction (so that a `COMMIT` carries it), and again after it (a `ROLLBACK` undid it).
    Ends,
    /// Outside any transaction: the backend runs it and its progress in one transaction of
    /// their own when the database allows it, and as [`Keeping::Noted`] otherwise.
    Alone,
    /// Cannot share a transaction with its progress (transaction control outside a
    /// transaction): noted as started before it runs, done after.
    Noted,
}

/// How each statement of `sql` (as the backends split it) keeps its progress.
pub(crate) fn keepings(sql: &str) -> Vec<Keeping> {
    schema_core::own_transaction_states(sql)
        .into_iter()
        .map(|s| match (s.open_before, s.open_after, s.control) {
            (_, true, _) => Keeping::Inside,
            (true, false, _) => Keeping::Ends,
            (false, false, None) => Keeping::Alone,
            (false, false, Some(_)) => Keeping::Noted,
        })
        .collect()
}

/// Whether any word of `text` (letters, digits and `_`, lower-cased; comments and strings
/// included) satisfies `f`: how the backends tell, from a file's text alone, whether it may
/// change its connection, erring towards yes. Words, not substrings, so that a table named
/// `attachments` or `templates` is not taken for `ATTACH` or `TEMP`.
pub(crate) fn any_word(text: &str, f: impl Fn(&str) -> bool) -> bool {
    text.to_ascii_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(f)
}

/// The first word of a statement, upper-cased (a statement's text starts at its first word).
pub(crate) fn first_word(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

impl AppliedRow {
    /// The statement that may have run although the progress does not count it: the one
    /// after `statements_done` when the row says it was started outside a transaction and
    /// never recorded as ended.
    pub(crate) fn in_doubt(&self) -> Option<usize> {
        let noted = self
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with(IN_DOUBT));
        let unfinished = matches!(self.status, Status::Running | Status::Failed);
        (noted && unfinished).then(|| usize::try_from(self.statements_done).unwrap_or(0) + 1)
    }

    /// How far the migration got, for a row that needs repair.
    pub(crate) fn progress(&self) -> Progress {
        Progress {
            done: usize::try_from(self.statements_done).unwrap_or(0),
            total: usize::try_from(self.statements_total).unwrap_or(0),
            in_doubt: self.in_doubt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statements_outside_the_files_transaction_stand_alone() {
        let k = keepings(
            "CREATE TABLE a (x INT);\nBEGIN;\nINSERT INTO a VALUES (1);\nCOMMIT;\nCOMMIT;\nVACUUM;",
        );
        assert_eq!(
            k,
            [
                Keeping::Alone,
                Keeping::Inside,
                Keeping::Inside,
                Keeping::Ends,
                Keeping::Noted,
                Keeping::Alone
            ]
        );
        assert_eq!(first_word("vacuum;"), "VACUUM");
    }
}
