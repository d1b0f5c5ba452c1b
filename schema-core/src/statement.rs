//! Splits a migration file into statements so that each can be run (and reported) on its own.
//!
//! A small lexer cuts the input into tokens (blanks and comments, words, `;`, and everything else
//! such as strings and quoted identifiers); the splitter ends a statement at each `;` that is not
//! inside a trigger or `BEGIN ATOMIC` body. Every delimiter the lexer looks for is ASCII, so the
//! byte positions where it stops are always char boundaries and slicing there cannot panic.

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
        for c in sql.get(pos..start).unwrap_or("").chars() {
            let line_break = c == '\n';
            line += usize::from(line_break);
            column = if line_break { 1 } else { column + 1 };
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
    /// `RELEASE` of that savepoint (or a `COMMIT`) ends. Its name: [`savepoint_name`].
    Savepoint,
    /// `RELEASE [SAVEPOINT] name`: ends the transaction when it releases the savepoint that
    /// opened it.
    Release,
}

impl TransactionControl {
    /// What a statement whose first word is `word` does, `lexer` being just after it.
    fn of(word: &str, lexer: &Lexer<'_>) -> Option<Self> {
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

/// Whether `rest` starts with a `/*` comment that is never closed.
fn is_unterminated_comment(rest: &str) -> bool {
    let text = rest.as_bytes();
    text.starts_with(b"/*") && block_comment_end(text).is_none()
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

/// What kind of statement is being read, as far as `BEGIN … END` bodies are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Kind {
    /// No token seen yet.
    #[default]
    Start,
    /// `CREATE` followed so far only by modifiers such as `TEMP` or `OR REPLACE`.
    Create,
    /// `CREATE … TRIGGER`: SQLite bodies are `BEGIN … END` and may contain `CASE … END`.
    Trigger,
    /// `CREATE … FUNCTION|PROCEDURE`: PostgreSQL may have a `BEGIN ATOMIC … END` body.
    Routine,
    /// Anything else: there `BEGIN` and `END` are just transaction statements.
    Plain,
}

/// Tracks `BEGIN`/`CASE` … `END` nesting; a `;` only ends the statement at depth 0.
#[derive(Debug, Clone, Copy, Default)]
struct Blocks {
    kind: Kind,
    depth: usize,
    /// In a trigger: whether its `BEGIN … END` body is open. SQLite lets `begin` and `end`
    /// name columns, so inside the body a `BEGIN` is a name (bodies do not nest), and an `END`
    /// with no `CASE` open ends the body only when the statement ends after it.
    body: bool,
    /// In a trigger: the `CASE` expressions open.
    cases: usize,
    /// Whether the token before was a `.`, after which a word is a name.
    after_dot: bool,
}

impl Blocks {
    /// Feeds one word of the statement; `lexer` is positioned just after it, for lookahead.
    fn word(&mut self, word: &str, lexer: &Lexer<'_>) {
        if self.kind == Kind::Plain {
            return; // Most statements: no need to look at their words.
        }
        if std::mem::take(&mut self.after_dot) {
            return; // `NEW.end`: a qualified name, never a keyword.
        }
        match (self.kind, word.to_ascii_uppercase().as_str()) {
            (Kind::Start, "CREATE") => self.kind = Kind::Create,
            (Kind::Create, "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "CONSTRAINT") => {}
            (Kind::Create, "TRIGGER") => self.kind = Kind::Trigger,
            (Kind::Create, "FUNCTION" | "PROCEDURE") => self.kind = Kind::Routine,
            (Kind::Start | Kind::Create, _) => self.kind = Kind::Plain,
            (Kind::Trigger, "BEGIN") if !self.body => {
                self.body = true;
                self.depth += 1;
            }
            (Kind::Trigger, "CASE") => {
                self.cases += 1;
                self.depth += 1;
            }
            (Kind::Trigger, "END") => {
                if self.cases > 0 {
                    self.cases -= 1;
                    self.depth -= 1;
                } else if self.body && lexer.next_ends_statement() {
                    self.body = false;
                    self.depth -= 1;
                }
            }
            // `BEGIN` is not reserved in PostgreSQL (it may name a parameter), so only
            // `BEGIN ATOMIC` opens a body; `CASE … END` only matters inside one.
            (Kind::Routine, "BEGIN") if lexer.next_word_is("ATOMIC") => self.depth += 1,
            (Kind::Routine, "CASE") if self.depth > 0 => self.depth += 1,
            (Kind::Routine, "END") => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }

    /// Feeds a token that is not a word (string, quoted identifier, punctuation).
    fn other(&mut self, token: &str) {
        if matches!(self.kind, Kind::Start | Kind::Create) {
            self.kind = Kind::Plain;
        }
        self.after_dot = token == ".";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// White space or a comment.
    Blank,
    /// An unquoted word: keyword, identifier or number.
    Word,
    Semicolon,
    /// A string, quoted identifier, dollar-quoted body or punctuation character.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
}

/// Cuts the input into tokens. `pos` is always on a char boundary.
#[derive(Debug, Clone, Copy)]
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn next_token(&mut self) -> Option<Token> {
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
    fn next_ends_statement(&self) -> bool {
        let mut lexer = *self;
        while let Some(token) = lexer.next_token() {
            if token.kind != TokenKind::Blank {
                return token.kind == TokenKind::Semicolon;
            }
        }
        true
    }

    /// After `ROLLBACK`: whether `[TRANSACTION | WORK] TO` follows.
    fn rolls_back_to_a_savepoint(&self) -> bool {
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
    fn names_something_after(&self) -> bool {
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
    fn next_word_is(&self, keyword: &str) -> bool {
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
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Chars that may start an unquoted word. Non-ASCII letters are allowed in identifiers.
fn is_word_start(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && !is_blank(c))
}

/// Chars that may continue a word; PostgreSQL allows `$` inside identifiers (`a$b`).
fn is_word_char(c: char) -> bool {
    is_word_start(c) || c == '$'
}

/// Length of the longest prefix of `rest` whose chars all satisfy `keep`.
fn len_while(rest: &str, keep: impl Fn(char) -> bool) -> usize {
    rest.find(|c: char| !keep(c)).unwrap_or(rest.len())
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
fn unclosed_quote(rest: &str) -> Option<&'static str> {
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

#[cfg(test)]
mod tests;
