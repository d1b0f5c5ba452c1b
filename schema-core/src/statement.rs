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
/// (`BEGIN … END`) and PostgreSQL `BEGIN ATOMIC … END` bodies are kept whole. Pieces holding
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
            TokenKind::Blank => {}
            TokenKind::Semicolon => match current.take() {
                Some((start, _, blocks)) if blocks.depth > 0 => {
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
        } else {
            None
        }
    }
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
            c if c.is_whitespace() => (Blank, len_while(rest, char::is_whitespace)),
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

/// Chars that may start an unquoted word. Non-ASCII letters are allowed in identifiers.
fn is_word_start(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && !c.is_whitespace())
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
        b'$' => {
            // Not `$1`: only what the lexer took for a dollar quote.
            dollar_quote_len(rest)?;
            let tag_len = len_while(&rest[1..], is_word_start);
            let delimiter = &rest[..tag_len + 2];
            let closed = rest[delimiter.len()..].contains(delimiter);
            return (!closed).then_some("dollar-quoted body");
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

/// Length of the dollar-quoted string at the start of `rest`, or `None` if the `$` does not open
/// one (e.g. the parameter `$1`): the tag must be empty or start with a letter or `_`.
fn dollar_quote_len(rest: &str) -> Option<usize> {
    let after = rest.get(1..)?;
    let tag_len = len_while(after, is_word_start);
    let tagged = &after[tag_len..];
    if after.starts_with(|c: char| c.is_ascii_digit()) || !tagged.starts_with('$') {
        return None;
    }
    let delimiter = &rest[..tag_len + 2];
    let body = &rest[delimiter.len()..];
    let len = body
        .find(delimiter)
        .map_or(rest.len(), |i| 2 * delimiter.len() + i);
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Asserts that `sql` splits into exactly the statement texts `expected`.
    fn splits(sql: &str, expected: &[&str]) {
        let texts: Vec<_> = split_statements(sql).into_iter().map(|s| s.text).collect();
        assert_eq!(texts, expected, "{sql:?}");
    }

    /// Asserts that `statements`, one per line, split back into themselves.
    fn round_trip(statements: &[&str]) {
        splits(&statements.join("\n"), statements);
    }

    #[test]
    fn splits_simple_statements_on_semicolons() {
        round_trip(&["CREATE TABLE a (x INT);", "INSERT INTO a VALUES (1);"]);
        splits("SELECT 1;SELECT 2;", &["SELECT 1;", "SELECT 2;"]);
    }

    #[test]
    fn keeps_a_final_statement_without_semicolon_but_not_its_trailing_comment() {
        let sql = "SELECT 1;\n  SELECT 2 -- done\n\n";
        splits(sql, &["SELECT 1;", "SELECT 2"]);
    }

    #[test]
    fn skips_comment_only_pieces() {
        let statements = split_statements("-- a\n/* b; */\n;\n;;SELECT 1;\n-- c; d\n");
        assert_eq!(statements.len(), 1);
        assert_eq!((statements[0].text, statements[0].number), ("SELECT 1;", 1));
        splits("  \n-- only a comment\n/* and; another */ ", &[]);
        splits("", &[]);
    }

    #[test]
    fn statement_text_starts_after_leading_comments_and_keeps_inner_ones() {
        splits("-- why\nSELECT /* x; */ 1;", &["SELECT /* x; */ 1;"]);
    }

    #[test]
    fn reports_line_and_column_of_each_statement() {
        let sql = "SELECT 1; SELECT 'é';\r\n\n  -- c\n  UPDATE t SET x = 1;";
        let at = |s: Statement<'_>| (s.line, s.column, s.number);
        let got: Vec<_> = split_statements(sql).into_iter().map(at).collect();
        assert_eq!(got, [(1, 1, 1), (1, 11, 2), (4, 3, 3)]);
        let s = &split_statements("é; SELECT 2;")[1];
        assert_eq!((s.offset, s.line, s.column), (4, 1, 4));
    }

    #[test]
    fn skips_a_leading_byte_order_mark() {
        let s = &split_statements("\u{feff}SELECT 1;")[0];
        assert_eq!((s.text, s.offset, s.line, s.column), ("SELECT 1;", 3, 1, 1));
    }

    #[test]
    fn ignores_semicolons_inside_single_quoted_strings_with_doubled_quotes() {
        round_trip(&["SELECT 'it''s; fine';", "SELECT ';'''"]);
    }

    #[test]
    fn honours_backslash_escapes_only_in_e_strings() {
        round_trip(&[r"SELECT E'it\'s; \\';", r"SELECT e'a''\';b';", "SELECT 2"]);
        // In a standard string, or after a word that merely ends in `e`, `\` is ordinary.
        round_trip(&[r"SELECT 'a\';", r"SELECT type'\';", "SELECT 2"]);
    }

    #[test]
    fn ignores_semicolons_inside_quoted_identifiers() {
        round_trip(&["SELECT \"a;\"\"b\", `c;d`, [e;f] FROM t;", "SELECT 2"]);
    }

    #[test]
    fn ignores_semicolons_inside_line_and_nested_block_comments() {
        round_trip(&["SELECT 1 -- a; b\n;", "SELECT /* x /* y; */ z; */ 2;"]);
    }

    #[test]
    fn finds_a_block_comment_that_is_never_closed() {
        assert_eq!(unterminated_comment("SELECT 1; /* open"), Some(10));
        assert_eq!(unterminated_comment("SELECT 1; /* a /* b */"), Some(10));
        assert_eq!(unterminated_comment("SELECT 1; /* a /* b */ */"), None);
        assert_eq!(unterminated_comment("SELECT '/*'; -- /*\nSELECT 2;"), None);
        assert_eq!(unterminated_comment("SELECT 1; /* closed */"), None);
        assert_eq!(unterminated_comment("/"), None);
    }

    #[test]
    fn splits_dollar_quoted_function_bodies_as_one_statement() {
        let function =
            "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE sql;";
        let tagged = "DO $body$ BEGIN EXECUTE $$x;$$; END $body$;";
        round_trip(&[function, tagged, "SELECT 3;"]);
    }

    #[test]
    fn numbered_parameters_and_identifier_dollars_are_not_dollar_quotes() {
        round_trip(&["SELECT $1;", "SELECT a$b$ FROM t;", "SELECT $2"]);
    }

    #[test]
    fn keeps_semicolons_inside_trigger_bodies() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (1);\n  \
                       DELETE FROM b;\nEND;";
        round_trip(&[trigger, "SELECT 2;"]);
    }

    #[test]
    fn case_end_inside_a_trigger_does_not_end_the_body() {
        let trigger = "CREATE TRIGGER t AFTER UPDATE ON a WHEN CASE WHEN 1 THEN 1 END BEGIN\n  \
                       UPDATE b SET x = CASE WHEN new.y THEN 1 ELSE 2 END;\n  SELECT 1;\nEND;";
        round_trip(&[trigger, "SELECT 2"]);
    }

    #[test]
    fn finds_a_string_or_name_that_is_never_closed() {
        let found = |sql: &str| survey(sql).unterminated_quote;
        assert_eq!(found("SELECT 'abc"), Some((7, "string")));
        assert_eq!(found("SELECT 'it''s"), Some((7, "string")));
        assert_eq!(found("SELECT E'a\\'"), Some((7, "string")));
        assert_eq!(found("SELECT \"col"), Some((7, "quoted name")));
        assert_eq!(found("SELECT [col"), Some((7, "bracketed name")));
        assert_eq!(found("DO $body$ BEGIN"), Some((3, "dollar-quoted body")));
        assert_eq!(found("SELECT '"), Some((7, "string")));
        for sql in [
            "SELECT 'a'",
            "SELECT 'it''s'",
            "SELECT E'a\\''",
            "SELECT \"c\"",
            "SELECT [c]",
            "DO $$ x $$",
            "SELECT $1",
            "SELECT $",
            "SELECT 1 -- 'x",
            "SELECT 1 /* 'x */",
        ] {
            assert_eq!(found(sql), None, "{sql}");
        }
    }

    #[test]
    fn finds_a_comment_opened_inside_a_comment() {
        let sql = "SELECT 1;\n/*\nold /* legacy */\n*/\nSELECT 2;";
        assert_eq!(nested_comment(sql), sql.find("/* legacy"));
        for sql in [
            "/* a */ /* b */",
            "SELECT '/* /*';",
            "-- /* /*\nSELECT 1",
            "/* a * / b */",
        ] {
            assert_eq!(nested_comment(sql), None, "{sql}");
        }
    }

    #[test]
    fn begin_and_end_naming_columns_inside_a_trigger_do_not_end_the_body() {
        let trigger = "CREATE TRIGGER spans_ins AFTER INSERT ON spans BEGIN\n  \
                       UPDATE spans SET end = NEW.begin + 1 WHERE id = NEW.id AND end IS NULL;\n  \
                       INSERT INTO log VALUES (NEW.id);\nEND;";
        round_trip(&[
            "CREATE TABLE spans (id INTEGER PRIMARY KEY, begin INTEGER, end INTEGER);",
            trigger,
            "SELECT 2;",
        ]);
        // A column named `begin` before the body, and the body's `END` before a comment.
        let trigger = "CREATE TRIGGER t AFTER UPDATE OF begin ON spans BEGIN\n  \
                       SELECT CASE WHEN NEW.end > 0 THEN 1 END;\nEND -- done\n;";
        round_trip(&[trigger, "SELECT 3"]);
    }

    #[test]
    fn recognises_temp_triggers_case_insensitively() {
        for create in [
            "create temp trigger",
            "Create Temporary Trigger",
            "CREATE TRIGGER IF NOT EXISTS",
        ] {
            let trigger = format!("{create} t BEFORE DELETE ON a begin SELECT 1; end;");
            round_trip(&[&trigger, "SELECT 3;"]);
        }
    }

    #[test]
    fn keywords_inside_strings_comments_or_longer_words_do_not_count() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 'END;', \"end\", backend \
                       -- END\n; /* END */ SELECT ending; END;";
        round_trip(&[trigger, "SELECT 2;"]);
    }

    #[test]
    fn keeps_semicolons_inside_begin_atomic_function_bodies() {
        let function = "CREATE OR REPLACE FUNCTION f(begin int) RETURNS int LANGUAGE sql\n\
                        BEGIN ATOMIC\n  SELECT CASE WHEN begin > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;";
        let procedure = "CREATE PROCEDURE p() BEGIN /* c */ atomic INSERT INTO t VALUES (1); END;";
        round_trip(&[function, procedure, "SELECT 3;"]);
    }

    #[test]
    fn treats_begin_and_commit_as_ordinary_statements() {
        round_trip(&["BEGIN;", "SELECT CASE x WHEN 1 THEN 2 END;", "COMMIT;"]);
        round_trip(&["BEGIN TRANSACTION;", "DELETE FROM a;", "END;"]);
    }

    #[test]
    fn unterminated_strings_and_comments_run_to_the_end() {
        for tail in [
            "'a; b",
            "\"a; b",
            "`a; b",
            "[a; b",
            "E'a\\",
            "$$ a; b",
            "$t$ a; $$",
        ] {
            round_trip(&["SELECT 1;", &format!("SELECT {tail}")]);
        }
        splits("SELECT 1; SELECT /* a; /* b */", &["SELECT 1;", "SELECT"]);
    }

    #[test]
    fn handles_non_ascii_text_anywhere() {
        round_trip(&["SELECT 'ü;';", "SELECT ü\u{a0};"]);
        round_trip(&["SELECT $é$;$é$;", "É'\\é"]);
    }

    /// The first `/*` comment never closed, found by lexing on its own after a leading BOM (the
    /// SQL as it runs): what [`survey`] must agree with.
    fn unterminated_alone(sql: &str) -> Option<usize> {
        let body = sql.len() - sql.strip_prefix('\u{feff}').unwrap_or(sql).len();
        let mut lexer = Lexer {
            src: sql,
            pos: body,
        };
        while let Some(token) = lexer.next_token() {
            if sql.get(token.start..).is_some_and(is_unterminated_comment) {
                return Some(token.start);
            }
        }
        None
    }

    fn check_invariants(sql: &str) {
        let mut previous_end = 0;
        let statements = split_statements(sql);
        for (i, s) in statements.iter().enumerate() {
            assert_eq!(s.number, i + 1);
            assert_eq!(sql.get(s.offset..s.offset + s.text.len()), Some(s.text));
            assert!(s.offset >= previous_end && !s.text.is_empty() && s.text != ";");
            assert!(!s.text.starts_with(char::is_whitespace));
            previous_end = s.offset + s.text.len();
        }
        assert_eq!(
            survey(sql),
            Survey {
                statements: statements.len(),
                unterminated_comment: unterminated_alone(sql),
                unterminated_quote: survey(sql).unterminated_quote,
                transaction_control: statements
                    .iter()
                    .filter_map(|s| control_alone(s.text).map(|c| (s.offset, c)))
                    .collect(),
            }
        );
    }

    /// What a statement does to transactions, from its own text.
    fn control_alone(text: &str) -> Option<TransactionControl> {
        let upper = text.to_ascii_uppercase();
        let words: Vec<&str> = upper
            .split(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
            .take(3)
            .collect();
        if !text.starts_with(|c: char| is_word_start(c)) {
            return None;
        }
        match words.as_slice() {
            ["BEGIN", ..] | ["START", "TRANSACTION", ..] => Some(TransactionControl::Begin),
            ["COMMIT" | "END" | "ABORT", ..] | ["PREPARE", "TRANSACTION", ..] => {
                Some(TransactionControl::End)
            }
            ["ROLLBACK", "TO", ..] | ["ROLLBACK", _, "TO"] => None,
            ["ROLLBACK", ..] => Some(TransactionControl::End),
            _ => None,
        }
    }

    #[test]
    fn finds_the_statements_that_start_or_end_a_transaction() {
        use TransactionControl::{Begin, End};
        let found = |sql: &str| -> Vec<TransactionControl> {
            survey(sql)
                .transaction_control
                .into_iter()
                .map(|(_, c)| c)
                .collect()
        };
        assert_eq!(found("BEGIN;\nCREATE TABLE a (x);\nCOMMIT;"), [Begin, End]);
        assert_eq!(
            found("begin immediate transaction; end transaction;"),
            [Begin, End]
        );
        assert_eq!(
            found("START TRANSACTION; ROLLBACK; ABORT; PREPARE TRANSACTION 'x';"),
            [Begin, End, End, End]
        );
        assert_eq!(
            found("SAVEPOINT a; ROLLBACK TO a; ROLLBACK TRANSACTION TO SAVEPOINT a; RELEASE a;"),
            []
        );
        // Inside statements: trigger bodies, CASE, names, strings, comments, dollar quotes.
        assert_eq!(
            found(
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END;\n\
                   SELECT 'COMMIT'; -- COMMIT\nCREATE TABLE commit_log (x);\n\
                   DO $$ BEGIN COMMIT; END $$;\nPREPARE q AS SELECT 1;"
            ),
            []
        );
        // The offset is the statement's first character.
        let sql = "CREATE TABLE a (x);\n  COMMIT;";
        assert_eq!(
            survey(sql).transaction_control,
            [(sql.find("COMMIT").unwrap(), End)]
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(sql in "\\PC{0,300}") {
            check_invariants(&sql);
        }

        #[test]
        fn never_panics_on_sql_like_text(sql in "[a-zA-Z;'\"$ \\n\\-/*\\[\\]`]{0,200}") {
            check_invariants(&sql);
        }

        #[test]
        fn never_panics_on_keyword_soup(words in prop::collection::vec(prop::sample::select(vec![
            "CREATE", "TEMP", "TRIGGER", "FUNCTION", "BEGIN", "ATOMIC", "CASE", "END", ";", "'",
            "E'", "\\", "$$", "$a$", "$1", "--", "\n", "/*", "*/", "é", "\u{feff}", " ",
        ]), 0..60)) {
            check_invariants(&words.concat());
        }
    }
}
