//! Splits a migration file into statements so that each can be run (and reported) on its own.
//!
//! A small lexer cuts the input into tokens (blanks and comments, words, `;`, and everything else
//! such as strings and quoted identifiers); the splitter ends a statement at each `;` that is not
//! inside a trigger or `BEGIN ATOMIC` body. Every delimiter the lexer looks for is ASCII, so the
//! byte positions where it stops are always char boundaries and slicing there cannot panic.

mod blocks;
mod control;
mod lexer;

use blocks::Blocks;
pub(crate) use control::savepoint_name;
pub use control::TransactionControl;
use lexer::{is_unterminated_comment, unclosed_quote, Lexer, TokenKind};

/// One statement of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's text, from its first non-blank, non-comment character up to and including
    /// its terminating `;` if there is one (a final statement without `;` is fine).
    pub text: &'a str,
    /// Byte offset of `text` in the input.
    pub offset: usize,
    /// 1-based line of the statement's first character.
    pub line: usize,
    /// 1-based column (in chars) of the statement's first character.
    pub column: usize,
    /// 1-based number of the statement in the file.
    pub number: usize,
}

/// Splits `sql` (SQLite or PostgreSQL) into statements at top-level `;`.
///
/// Strings (`'…'`, `E'…'`), quoted identifiers (`"…"`, `` `…` ``, `[…]`), comments (`--`,
/// nested `/* */`), dollar quotes (`$$…$$`, `$tag$…$tag$`), SQLite trigger bodies
/// (`BEGIN … END`), PostgreSQL `BEGIN ATOMIC … END` bodies and goose's
/// `-- +goose StatementBegin` … `-- +goose StatementEnd` blocks are kept whole. Pieces holding
/// only blanks and comments are skipped, a leading BOM is ignored, and anything unterminated
/// runs to the end of the input. Never panics.
pub fn split_statements(sql: &str) -> Vec<Statement<'_>> {
    let body = sql.len() - sql.strip_prefix('\u{feff}').unwrap_or(sql).len();
    let spans = scan(sql).spans;
    // Walk the input once, moving forward from one statement's start to the next.
    let (mut pos, mut line, mut column) = (body, 1, 1);
    let to_statement = |(index, (start, end)): (usize, (usize, usize))| {
        // Bytes, not chars (quicker unoptimised, as the macro's copy is built): a column is
        // a char, counted at each byte that starts one.
        for &b in sql.as_bytes().get(pos..start).unwrap_or(&[]) {
            if b == b'\n' {
                (line, column) = (line + 1, 1);
            } else if b & 0xc0 != 0x80 {
                column += 1;
            }
        }
        pos = start;
        let text = sql.get(start..end).unwrap_or("");
        Statement {
            text,
            offset: start,
            line,
            column,
            number: index + 1,
        }
    };
    spans.into_iter().enumerate().map(to_statement).collect()
}

/// What one pass of the lexer finds in a file: where each statement starts and ends, and
/// where a `/*` comment that is never closed starts.
struct Scan {
    spans: Vec<(usize, usize)>,
    unterminated_comment: Option<usize>,
    unterminated_quote: Option<(usize, &'static str)>,
    transaction_control: Vec<(usize, TransactionControl)>,
}

fn scan(sql: &str) -> Scan {
    let body = sql.len() - sql.strip_prefix('\u{feff}').unwrap_or(sql).len();
    let mut lexer = Lexer {
        src: sql,
        pos: body,
    };
    // Start and end of each statement; lines and columns are counted once all are known.
    let mut spans = Vec::new();
    // Start, end so far and block nesting of the statement being read.
    let mut current: Option<(usize, usize, Blocks)> = None;
    let mut unterminated_comment = None;
    let mut unterminated_quote = None;
    let mut transaction_control = Vec::new();
    // Inside goose's `-- +goose StatementBegin` … `StatementEnd`: one statement, `;` or not.
    let mut goose_block = false;
    while let Some(token) = lexer.next_token() {
        // Only a token that runs to the end of the text can be one left open.
        if token.kind == TokenKind::Other && token.end == sql.len() {
            unterminated_quote =
                unclosed_quote(&sql[token.start..]).map(|what| (token.start, what));
        }
        if unterminated_comment.is_none()
            && sql.get(token.start..).is_some_and(is_unterminated_comment)
        {
            unterminated_comment = Some(token.start);
        }
        match token.kind {
            TokenKind::Blank => {
                match crate::sections::statement_block(&sql[token.start..token.end]) {
                    Some(true) => goose_block = true,
                    Some(false) => {
                        goose_block = false;
                        spans.extend(current.take().map(|(start, end, _)| (start, end)));
                    }
                    None => {}
                }
            }
            TokenKind::Semicolon => match current.take() {
                Some((start, _, blocks)) if blocks.depth > 0 || goose_block => {
                    current = Some((start, token.end, blocks));
                }
                Some((start, _, _)) => spans.push((start, token.end)),
                // A `;` with nothing before it ends an empty piece, which is not a statement.
                None => {}
            },
            TokenKind::Word | TokenKind::Other => {
                if current.is_none() && token.kind == TokenKind::Word {
                    let word = &sql[token.start..token.end];
                    if let Some(control) = TransactionControl::of(word, &lexer) {
                        transaction_control.push((token.start, control));
                    }
                }
                let new = (token.start, token.end, Blocks::default());
                let (_, end, blocks) = current.get_or_insert(new);
                *end = token.end;
                if token.kind == TokenKind::Word {
                    blocks.word(&sql[token.start..token.end], &lexer);
                } else {
                    blocks.other(&sql[token.start..token.end]);
                }
            }
        }
    }
    // A final statement without `;` ends at its last token: trailing comments are not part of it.
    spans.extend(current.map(|(start, end, _)| (start, end)));
    Scan {
        spans,
        unterminated_comment,
        unterminated_quote,
        transaction_control,
    }
}

/// What loading a file needs to know of its statements, from one pass of the lexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// How many statements [`split_statements`] finds.
    pub statements: usize,
    /// [`unterminated_comment`].
    pub unterminated_comment: Option<usize>,
    /// A string, quoted name or dollar-quoted body that is never closed: where it starts, and
    /// what it is (`string`, `quoted name`, `bracketed name`, `dollar-quoted body`).
    pub unterminated_quote: Option<(usize, &'static str)>,
    /// Each statement that starts or ends a transaction: its byte offset, and which.
    pub transaction_control: Vec<(usize, TransactionControl)>,
}

/// [`split_statements`]'s count and [`unterminated_comment`] in one pass, without building the
/// statements.
pub fn survey(sql: &str) -> Survey {
    let scan = scan(sql);
    Survey {
        statements: scan.spans.len(),
        unterminated_comment: scan.unterminated_comment,
        unterminated_quote: scan.unterminated_quote,
        transaction_control: scan.transaction_control,
    }
}

/// The byte offset of a `/*` comment in `sql` (after a leading BOM, which the runtime strips)
/// that is never closed (counting nested comments, as PostgreSQL does), if there is one.
/// SQLite reads such a comment to the end of the input without an error, so whatever is sent
/// after the file in the same call would be lost.
pub fn unterminated_comment(sql: &str) -> Option<usize> {
    scan(sql).unterminated_comment
}

/// The byte offset of a `/*` inside a `/*` comment, if there is one. PostgreSQL nests such
/// comments and so does this module's lexer; SQLite does not, and ends the comment at the first
/// `*/`, so the two would disagree about where the comment ends.
pub fn nested_comment(sql: &str) -> Option<usize> {
    let body = sql.len() - sql.strip_prefix('\u{feff}').unwrap_or(sql).len();
    let mut lexer = Lexer {
        src: sql,
        pos: body,
    };
    while let Some(token) = lexer.next_token() {
        let text = sql.get(token.start..token.end).unwrap_or("");
        if token.kind == TokenKind::Blank && text.starts_with("/*") {
            if let Some(inner) = text[2..].find("/*") {
                return Some(token.start + 2 + inner);
            }
        }
    }
    None
}

/// Where each `--` comment of `sql` starts and ends (its line break included): those outside
/// strings, quoted names, dollar-quoted bodies and `/* */` comments.
pub(crate) fn line_comments(sql: &str) -> Vec<(usize, usize)> {
    let mut lexer = Lexer { src: sql, pos: 0 };
    std::iter::from_fn(move || lexer.next_token())
        .filter(|token| token.kind == TokenKind::Blank && sql[token.start..].starts_with("--"))
        .map(|token| (token.start, token.end))
        .collect()
}

/// The tokens of `sql` that are not blanks or comments, in order: words, `;`, strings, quoted
/// names (`"…"`, `` `…` ``, `[…]`) whole, and each other character on its own.
#[cfg(feature = "check-sqlite")]
pub(crate) fn tokens(sql: &str) -> impl Iterator<Item = &str> {
    let mut lexer = Lexer { src: sql, pos: 0 };
    std::iter::from_fn(move || lexer.next_token())
        .filter(|token| token.kind != TokenKind::Blank)
        .map(move |token| sql.get(token.start..token.end).unwrap_or(""))
}

/// [`tokens`] with the byte offset of each: what the SQLite lints read statements from.
pub(crate) fn tokens_at(sql: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut lexer = Lexer { src: sql, pos: 0 };
    std::iter::from_fn(move || lexer.next_token())
        .filter(|token| token.kind != TokenKind::Blank)
        .map(move |token| (token.start, sql.get(token.start..token.end).unwrap_or("")))
}

#[cfg(test)]
mod tests;
