//! How deep squawk's parser could recurse on a file, measured before the file is given to it.
//!
//! The parser is recursive descent: it goes one call deeper for each bracket, each prefix
//! operator (`-`, `+`, `~`, `@`, `NOT`, `|/`, `OPERATOR(…)`), each right-associative operator
//! (`=`, `IN`, `||`, `->` and every other symbol operator), each `CASE`, `BETWEEN`, subquery
//! and more. Its stack, not the input, decides where a deep statement crashes the build. So
//! rather than list what it recurses on, the measure counts every token that could hold the
//! parser one level deeper, and forgets only what it knows has returned:
//!
//! - every token counts one level, until a separator at the same bracket level: `,`, `OR`, an
//!   `AND` that does not close a `BETWEEN`, and `WHEN`, `THEN`, `ELSE` directly in a `CASE`
//!   (each ends every expression the parser began since, since all of them bind tighter);
//! - `(`, `[` and `CASE` open a level that keeps what was open before it, closed by the
//!   matching `)`, `]` or `END`; `;` outside any bracket starts afresh.
//!
//! The depth of a point is what is open there, across every enclosing bracket. It is never
//! less than the parser's own depth in calls per level, so a stack of [`STACK_PER_LEVEL`] times
//! [`MAX_DEPTH`] is enough for any statement under the limit: a guarantee, tested on each kind
//! of nesting (`the_stack_fits_every_kind_of_nesting_at_the_limit` in the PostgreSQL check).

use squawk_lexer::TokenKind;

/// The deepest nesting given to the parser: a statement deeper than this is refused. PostgreSQL's
/// own parser gives up near 10,000 levels too (`memory exhausted`), and a real migration nests
/// a few dozen.
pub(super) const MAX_DEPTH: usize = 10_000;

/// The parser's stack per level of [`MAX_DEPTH`]. The costliest nesting measured, `(` in an
/// unoptimised build (the one proc macros run in), takes about 3 KiB a level.
pub(super) const STACK_PER_LEVEL: usize = 8 << 10;

/// What opened a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    Paren,
    Bracket,
    Case,
}

/// One open level: what opened it, the tokens counted before it at the level around it, and
/// the `BETWEEN`s in it still waiting for their `AND`.
#[derive(Debug, Clone, Copy)]
struct Level {
    opener: Option<Opener>,
    outer: usize,
    between: usize,
}

/// The byte offset of the first token of `sql` at which the nesting passes `limit`, if any.
pub(super) fn deeper_than(sql: &str, limit: usize) -> Option<usize> {
    let mut stack: Vec<Level> = Vec::new();
    let mut level = Level {
        opener: None,
        outer: 0,
        between: 0,
    };
    // Tokens counted at the current level since its last separator, and the sum of `outer`
    // over the stack (what stays open around the current level).
    let (mut count, mut around) = (0usize, 0usize);
    let mut offset = 0usize;
    for token in squawk_lexer::tokenize(sql) {
        let start = offset;
        offset += token.len as usize;
        let text = sql.get(start..offset).unwrap_or("");
        let word = |w: &str| token.kind == TokenKind::Ident && text.eq_ignore_ascii_case(w);
        let opener = match token.kind {
            TokenKind::OpenParen => Some(Opener::Paren),
            TokenKind::OpenBracket => Some(Opener::Bracket),
            _ if word("CASE") => Some(Opener::Case),
            _ => None,
        };
        let closes = match token.kind {
            TokenKind::CloseParen => Some(Opener::Paren),
            TokenKind::CloseBracket => Some(Opener::Bracket),
            _ if word("END") => Some(Opener::Case),
            _ => None,
        };
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {}
            _ if opener.is_some() => {
                count += 1;
                stack.push(level);
                around += count;
                level = Level {
                    opener,
                    outer: count,
                    between: 0,
                };
                count = 0;
            }
            _ if closes.is_some() && closes == level.opener => {
                around -= level.outer;
                count = level.outer;
                level = stack.pop().unwrap_or(Level {
                    opener: None,
                    outer: 0,
                    between: 0,
                });
            }
            TokenKind::Semi if stack.is_empty() => count = 0,
            TokenKind::Comma => count = 0,
            _ if word("OR") => count = 0,
            _ if word("AND") && level.between == 0 => count = 0,
            _ if level.opener == Some(Opener::Case)
                && (word("WHEN") || word("THEN") || word("ELSE")) =>
            {
                count = 0;
            }
            _ => {
                if word("BETWEEN") {
                    level.between += 1;
                } else if word("AND") {
                    level.between -= 1;
                }
                count += 1;
            }
        }
        if around + count > limit {
            return Some(start);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::nesting_tests::{nested, KINDS};

    #[test]
    fn counts_every_kind_of_nesting_at_least_once_a_level() {
        for kind in KINDS {
            assert!(deeper_than(&nested(kind, 100), 99).is_some(), "{kind}");
        }
    }

    #[test]
    fn forgets_what_a_separator_ends() {
        let flat = format!("SELECT {} 1;", "- 1, ".repeat(1_000));
        assert_eq!(deeper_than(&flat, 10), None);
        let chain = format!(
            "SELECT 1 WHERE {} true;",
            "x = - 1 AND y = 2 OR ".repeat(1_000)
        );
        assert_eq!(deeper_than(&chain, 10), None);
        let case = format!("SELECT CASE {} END;", "WHEN x = 1 THEN 'a' ".repeat(1_000));
        assert_eq!(deeper_than(&case, 10), None);
        let rows = format!(
            "INSERT INTO t VALUES {};",
            vec!["(1, -2, 'x')"; 1_000].join(", ")
        );
        assert_eq!(deeper_than(&rows, 10), None);
        let statements = "SELECT - - - 1;\n".repeat(1_000);
        assert_eq!(deeper_than(&statements, 10), None);
    }

    #[test]
    fn keeps_what_stays_open() {
        // Each `BETWEEN … AND` nests; its `AND` ends nothing.
        assert!(deeper_than(&nested("between", 30), 100).is_some());
        // What was open before a bracket stays open inside it, past its separators.
        let sql = format!("SELECT {}1{};", "- - (1, ".repeat(40), ")".repeat(40));
        assert!(deeper_than(&sql, 100).is_some());
        // Brackets in strings and comments are not nesting.
        let quoted = format!("SELECT '{0}' /* {0} */ -- {0}\n, 1;", "(".repeat(500));
        assert_eq!(deeper_than(&quoted, 10), None);
    }

    #[test]
    fn points_at_the_token_that_passes_the_limit() {
        assert_eq!(deeper_than("SELECT ((((1))));", 4), Some(10));
        assert_eq!(deeper_than("SELECT ((((1))));", 5), Some(11));
        assert_eq!(deeper_than("SELECT ((((1))));", 6), None);
    }
}
