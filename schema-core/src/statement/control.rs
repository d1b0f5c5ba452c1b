//! Statements that start or end a transaction, and the savepoints they name.

use super::lexer::{Lexer, TokenKind};

/// A statement that starts or ends a transaction, told by its first words: what a file that
/// runs in the migration's transaction must not end, and what a `-- no-transaction` file that
/// opens one must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionControl {
    /// `BEGIN`, `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END`, `ABORT`, `ROLLBACK` (not `ROLLBACK TO` a savepoint), `PREPARE
    /// TRANSACTION`.
    End,
    /// `SAVEPOINT name`: on SQLite, outside a transaction, it opens one that only the
    /// `RELEASE` of that savepoint (or a `COMMIT`) ends. Its name is the word after `SAVEPOINT`.
    Savepoint,
    /// `RELEASE [SAVEPOINT] name`: ends the transaction when it releases the savepoint that
    /// opened it.
    Release,
}

impl TransactionControl {
    /// What a statement whose first word is `word` does, `lexer` being just after it.
    pub(super) fn of(word: &str, lexer: &Lexer<'_>) -> Option<Self> {
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword);
        let begins = is("BEGIN") || (is("START") && lexer.next_word_is("TRANSACTION"));
        let ends = is("COMMIT")
            || is("END")
            || is("ABORT")
            || (is("PREPARE") && lexer.next_word_is("TRANSACTION"))
            || (is("ROLLBACK") && !lexer.rolls_back_to_a_savepoint());
        if begins {
            Some(TransactionControl::Begin)
        } else if ends {
            Some(TransactionControl::End)
        } else if is("SAVEPOINT") {
            Some(TransactionControl::Savepoint)
        } else if is("RELEASE") {
            Some(TransactionControl::Release)
        } else {
            None
        }
    }
}

/// The name a `SAVEPOINT` or `RELEASE [SAVEPOINT]` statement starting at `offset` of `sql`
/// names, as both databases compare it: unquoted, in lower case (ASCII). `None` when it names
/// none.
pub(crate) fn savepoint_name(sql: &str, offset: usize) -> Option<String> {
    let mut lexer = Lexer {
        src: sql,
        pos: offset,
    };
    // The statement's own word, then the optional `SAVEPOINT` of `RELEASE SAVEPOINT` (a
    // savepoint may itself be named `savepoint`).
    let mut first: Option<&str> = None;
    let mut skipped_keyword = false;
    while let Some(token) = lexer.next_token() {
        let text = sql.get(token.start..token.end)?;
        match token.kind {
            TokenKind::Blank => continue,
            TokenKind::Word if first.is_none() => first = Some(text),
            TokenKind::Word
                if !skipped_keyword
                    && first.is_some_and(|w| w.eq_ignore_ascii_case("RELEASE"))
                    && text.eq_ignore_ascii_case("SAVEPOINT")
                    && lexer.names_something_after() =>
            {
                skipped_keyword = true;
            }
            TokenKind::Word => return Some(text.to_ascii_lowercase()),
            TokenKind::Other => {
                let close = match text.chars().next()? {
                    '"' => '"',
                    '`' => '`',
                    '[' => ']',
                    '\'' => '\'',
                    _ => return None,
                };
                let inner = text.get(1..text.len().checked_sub(1)?)?;
                let doubled = format!("{close}{close}");
                return Some(
                    inner
                        .replace(&doubled, &close.to_string())
                        .to_ascii_lowercase(),
                );
            }
            TokenKind::Semicolon => return None,
        }
    }
    None
}
