//! The lexer under [`split_statements`](super::split_statements): cuts SQL into blanks and
//! comments, words, `;`, and everything else (strings, quoted names, dollar-quoted bodies,
//! punctuation), and tells what is left open at the end of the text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// White space or a comment.
    Blank,
    /// An unquoted word: keyword, identifier or number.
    Word,
    Semicolon,
    /// A string, quoted identifier, dollar-quoted body or punctuation character.
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Cuts the input into tokens. `pos` is always on a char boundary.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
}

impl Lexer<'_> {
    pub(super) fn next_token(&mut self) -> Option<Token> {
        use TokenKind::{Blank, Other, Semicolon, Word};
        let rest = self.src.get(self.pos..)?;
        let bytes = rest.as_bytes();
        let second = bytes.get(1).copied();
        let (kind, len) = match rest.chars().next()? {
            c if is_blank(c) => (Blank, len_while(rest, is_blank)),
            '-' if second == Some(b'-') => (Blank, through(rest, '\n')),
            '/' if second == Some(b'*') => (Blank, block_comment_len(bytes)),
            ';' => (Semicolon, 1),
            '\'' | '"' | '`' => (Other, quoted_len(bytes, false)),
            // SQLite `[identifier]`; in PostgreSQL `[…]` is a subscript and stays balanced.
            '[' => (Other, through(rest, ']')),
            '$' => (Other, dollar_quote_len(rest).unwrap_or(1)),
            c if is_word_start(c) => {
                let len = len_while(rest, is_word_char);
                // `E'…'` is a PostgreSQL string in which `\'` does not end the string.
                if matches!(&rest[..len], "E" | "e") && second == Some(b'\'') {
                    (Other, 1 + quoted_len(&bytes[1..], true))
                } else {
                    (Word, len)
                }
            }
            c => (Other, c.len_utf8()),
        };
        let (start, end) = (self.pos, self.pos + len);
        self.pos = end;
        Some(Token { kind, start, end })
    }

    /// Whether only blanks and comments come before the next `;` or the end of the text.
    pub(super) fn next_ends_statement(&self) -> bool {
        let mut lexer = *self;
        while let Some(token) = lexer.next_token() {
            if token.kind != TokenKind::Blank {
                return token.kind == TokenKind::Semicolon;
            }
        }
        true
    }

    /// After `ROLLBACK`: whether `[TRANSACTION | WORK] TO` follows.
    pub(super) fn rolls_back_to_a_savepoint(&self) -> bool {
        let mut lexer = *self;
        let mut words = 0;
        while let Some(token) = lexer.next_token() {
            if token.kind == TokenKind::Blank {
                continue;
            }
            let word = self.src.get(token.start..token.end).unwrap_or("");
            if token.kind != TokenKind::Word || words == 2 {
                return false;
            }
            if word.eq_ignore_ascii_case("TO") {
                return true;
            }
            words += 1;
        }
        false
    }

    /// Whether a word or quoted name follows, after blanks and comments (`RELEASE SAVEPOINT
    /// x`, not `RELEASE savepoint`, which names the savepoint `savepoint`).
    pub(super) fn names_something_after(&self) -> bool {
        let mut lexer = *self;
        while let Some(token) = lexer.next_token() {
            match token.kind {
                TokenKind::Blank => continue,
                TokenKind::Word | TokenKind::Other => return true,
                TokenKind::Semicolon => return false,
            }
        }
        false
    }

    /// Whether the next token after blanks and comments is the word `keyword`.
    pub(super) fn next_word_is(&self, keyword: &str) -> bool {
        let mut lexer = *self;
        while let Some(token) = lexer.next_token() {
            if token.kind != TokenKind::Blank {
                let word = self.src.get(token.start..token.end).unwrap_or("");
                return token.kind == TokenKind::Word && word.eq_ignore_ascii_case(keyword);
            }
        }
        false
    }
}

/// White space, and a byte order mark anywhere in the text: SQLite reads one as a space.
/// ASCII written out as patterns (no calls, for the unoptimised build; see [`len_while`]).
fn is_blank(c: char) -> bool {
    match c {
        ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' => true,
        '\0'..='\x7f' => false,
        _ => c.is_whitespace() || c == '\u{feff}',
    }
}

/// Chars that may start an unquoted word. Non-ASCII letters are allowed in identifiers.
pub(super) fn is_word_start(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => true,
        '\0'..='\x7f' => false,
        _ => !is_blank(c),
    }
}

/// Chars that may continue a word; PostgreSQL allows `$` inside identifiers (`a$b`).
pub(super) fn is_word_char(c: char) -> bool {
    is_word_start(c) || c == '$'
}

/// Length of the longest prefix of `rest` whose chars all satisfy `keep`. ASCII byte by byte,
/// the rest char by char: the macro's copy of this code is compiled unoptimised (as cargo
/// builds a proc macro's dependencies), where a `char` iterator costs several calls a
/// character; this lexer reads every file of a folder at every build.
fn len_while(rest: &str, keep: impl Fn(char) -> bool) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && bytes[i] < 0x80 {
        if !keep(char::from(bytes[i])) {
            return i;
        }
        i += 1;
    }
    let tail = &rest[i..];
    i + tail.find(|c: char| !keep(c)).unwrap_or(tail.len())
}

/// Length of `rest` up to and including the first `end`, or all of it.
fn through(rest: &str, end: char) -> usize {
    rest.find(end).map_or(rest.len(), |i| i + end.len_utf8())
}

/// Length of the quoted token at the start of `bytes` (its first byte is the quote). A doubled
/// quote is an escaped quote; with `backslash`, `\x` is an escape too. Unterminated: all of it.
fn quoted_len(bytes: &[u8], backslash: bool) -> usize {
    quoted_end(bytes, backslash).unwrap_or(bytes.len())
}

/// Where the quoted string or name at the start of `bytes` ends, if it is closed.
fn quoted_end(bytes: &[u8], backslash: bool) -> Option<usize> {
    let &quote = bytes.first()?;
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        if b == quote && bytes.get(i + 1) != Some(&quote) {
            return Some(i + 1);
        }
        // `\x` may step into a multi-byte char; its continuation bytes never equal an ASCII
        // quote, so the length returned still ends on a char boundary.
        let escape = b == quote || (backslash && b == b'\\');
        i += if escape { 2 } else { 1 };
    }
    None
}

/// What opens the string, quoted name or body at the start of `rest` if it is never closed:
/// the database would read the rest of the text, and what is sent after it, as part of it.
pub(super) fn unclosed_quote(rest: &str) -> Option<&'static str> {
    let bytes = rest.as_bytes();
    let closed = match bytes.first()? {
        b'\'' => quoted_end(bytes, false).is_some(),
        b'"' | b'`' => return quoted_end(bytes, false).is_none().then_some("quoted name"),
        b'[' => return (!rest.contains(']')).then_some("bracketed name"),
        b'E' | b'e' if bytes.get(1) == Some(&b'\'') => quoted_end(&bytes[1..], true).is_some(),
        // Not `$1`: only what the lexer takes for a dollar quote.
        b'$' => {
            return dollar_quote_end(rest)?
                .is_none()
                .then_some("dollar-quoted body")
        }
        _ => return None,
    };
    (!closed).then_some("string")
}

/// Length of the `/* … */` comment at the start of `bytes`; comments nest as in PostgreSQL.
/// Unterminated: all of it.
fn block_comment_len(bytes: &[u8]) -> usize {
    block_comment_end(bytes).unwrap_or(bytes.len())
}

/// Where the `/* … */` comment at the start of `bytes` ends, or `None` if it never does.
fn block_comment_end(bytes: &[u8]) -> Option<usize> {
    let (mut depth, mut i) = (1usize, 2);
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'*')) => (depth, i) = (depth + 1, i + 2),
            (b'*', Some(b'/')) if depth == 1 => return Some(i + 2),
            (b'*', Some(b'/')) => (depth, i) = (depth - 1, i + 2),
            _ => i += 1,
        }
    }
    None
}

/// Whether `rest` starts with a `/*` comment that is never closed.
pub(super) fn is_unterminated_comment(rest: &str) -> bool {
    let text = rest.as_bytes();
    text.starts_with(b"/*") && block_comment_end(text).is_none()
}

/// Length of the dollar-quoted string at the start of `rest`, or `None` if the `$` does not open
/// one (e.g. the parameter `$1`). Unterminated: all of it.
fn dollar_quote_len(rest: &str) -> Option<usize> {
    dollar_quote_end(rest).map(|end| end.unwrap_or(rest.len()))
}

/// Where the dollar-quoted string at the start of `rest` ends: `None` if the `$` does not open
/// one (the tag must be empty or start with a letter or `_`), `Some(None)` if it is never closed.
fn dollar_quote_end(rest: &str) -> Option<Option<usize>> {
    let after = rest.get(1..)?;
    let tag_len = len_while(after, is_word_start);
    let tagged = &after[tag_len..];
    if after.starts_with(|c: char| c.is_ascii_digit()) || !tagged.starts_with('$') {
        return None;
    }
    let delimiter = &rest[..tag_len + 2];
    let body = &rest[delimiter.len()..];
    Some(body.find(delimiter).map(|i| 2 * delimiter.len() + i))
}
