//! SQLite keeps the SQL of each object as it was written: this reads the parts the pragmas do
//! not give (checks, collations, generated expressions, index keys, view queries) and writes
//! expressions in one spelling, so that `a>0` and `A > 0`, `"Name"` and `name` compare equal.

/// A token of SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A keyword or an identifier, unquoted or quoted, folded to lower case (SQLite compares
    /// identifiers without regard to ASCII case).
    Word(String),
    /// A quoted identifier that is not a plain word, kept as written between double quotes.
    Quoted(String),
    /// A string literal with its quotes, as written.
    Str(String),
    /// A number, or any other run of characters.
    Other(String),
    /// Punctuation or an operator.
    Punct(String),
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Word(s)
            | Token::Quoted(s)
            | Token::Str(s)
            | Token::Other(s)
            | Token::Punct(s) => s,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w == word)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self, Token::Punct(q) if q == p)
    }
}

fn is_plain_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The text between an opening quote at `start` and its closing `close` (a doubled closing
/// quote stands for itself), and the index after it.
fn quoted(chars: &[char], start: usize, close: char) -> (String, usize) {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == close {
            if close != ']' && chars.get(i + 1) == Some(&close) {
                out.push(close);
                i += 2;
                continue;
            }
            return (out, i + 1);
        }
        out.push(chars[i]);
        i += 1;
    }
    (out, i)
}

fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            let (text, next) = quoted(&chars, i, '\'');
            tokens.push(Token::Str(format!("'{}'", text.replace('\'', "''"))));
            i = next;
        } else if c == '"' || c == '`' || c == '[' {
            let close = match c {
                '[' => ']',
                other => other,
            };
            let (text, next) = quoted(&chars, i, close);
            tokens.push(if is_plain_identifier(&text) {
                Token::Word(text.to_ascii_lowercase())
            } else {
                Token::Quoted(format!("\"{}\"", text.replace('"', "\"\"")))
            });
            i = next;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(Token::Word(word.to_ascii_lowercase()));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Token::Other(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let len =
                if ["<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->"].contains(&two.as_str()) {
                    if two == "->" && chars.get(i + 2) == Some(&'>') {
                        3
                    } else {
                        2
                    }
                } else {
                    1
                };
            tokens.push(Token::Punct(chars[i..i + len].iter().collect()));
            i += len;
        }
    }
    tokens
}

/// The tokens in one spelling: one space between tokens, none inside parentheses, before a
/// comma, around a dot, or between a name and its opening parenthesis.
fn join(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Token> = None;
    for token in tokens {
        if let Some(p) = prev {
            let glued = p.is_punct("(")
                || p.is_punct(".")
                || token.is_punct(")")
                || token.is_punct(",")
                || token.is_punct(";")
                || token.is_punct(".")
                || (token.is_punct("(") && matches!(p, Token::Word(_) | Token::Quoted(_)));
            if !glued {
                out.push(' ');
            }
        }
        out.push_str(token.text());
        prev = Some(token);
    }
    out
}

/// The tokens without enclosing parentheses that wrap all of them.
fn unwrap_parens(mut tokens: &[Token]) -> &[Token] {
    while tokens.len() >= 2
        && tokens[0].is_punct("(")
        && matching(tokens, 0) == Some(tokens.len() - 1)
    {
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

/// The index of the parenthesis closing the one at `open`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// `tokens` split at the commas outside parentheses.
fn split_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        } else if t.is_punct(",") && depth == 0 {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// The index of the first `word` outside parentheses, from `from` on.
fn find_word(tokens: &[Token], word: &str, from: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in tokens.iter().enumerate() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        } else if i >= from && depth == 0 && t.is_word(word) {
            return Some(i);
        }
    }
    None
}

/// An expression (a default, a check, a predicate) in one spelling, without parentheses that
/// wrap all of it.
pub(crate) fn expression(sql: &str) -> String {
    join(unwrap_parens(&tokenize(sql)))
}

/// A whole statement (a trigger) in one spelling, without `IF NOT EXISTS`.
pub(crate) fn statement(sql: &str) -> String {
    let tokens = tokenize(sql);
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_word("if")
            && tokens.get(i + 1).is_some_and(|t| t.is_word("not"))
            && tokens.get(i + 2).is_some_and(|t| t.is_word("exists"))
        {
            i += 3;
            continue;
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    while kept.last().is_some_and(|t| t.is_punct(";")) {
        kept.pop();
    }
    join(&kept)
}

/// A view's query: what follows the first `AS` of its `CREATE VIEW`.
pub(crate) fn view_query(sql: &str) -> String {
    let tokens = tokenize(sql);
    match find_word(&tokens, "as", 0) {
        Some(at) => {
            let mut rest = &tokens[at + 1..];
            while rest.last().is_some_and(|t| t.is_punct(";")) {
                rest = &rest[..rest.len() - 1];
            }
            join(rest)
        }
        None => join(&tokens),
    }
}

/// What an SQLite `CREATE INDEX` says beyond its name and table: its keys and its predicate.
pub(crate) fn index_parts(sql: &str) -> (Vec<String>, Option<String>) {
    let tokens = tokenize(sql);
    let Some(on) = find_word(&tokens, "on", 0) else {
        return (Vec::new(), None);
    };
    let Some(open) = tokens
        .iter()
        .skip(on)
        .position(|t| t.is_punct("("))
        .map(|p| p + on)
    else {
        return (Vec::new(), None);
    };
    let Some(close) = matching(&tokens, open) else {
        return (Vec::new(), None);
    };
    let keys = split_commas(&tokens[open + 1..close])
        .into_iter()
        .map(|key| {
            let key = match key.last() {
                Some(t) if t.is_word("asc") => &key[..key.len() - 1],
                _ => key,
            };
            join(unwrap_parens(key))
        })
        .collect();
    let predicate = find_word(&tokens, "where", close).map(|at| {
        let mut rest = &tokens[at + 1..];
        while rest.last().is_some_and(|t| t.is_punct(";")) {
            rest = &rest[..rest.len() - 1];
        }
        join(unwrap_parens(rest))
    });
    (keys, predicate)
}

/// What a column's definition in an SQLite `CREATE TABLE` says that the pragmas do not.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ColumnParts {
    /// The column's name, folded.
    pub name: String,
    /// Its `COLLATE`, in upper case.
    pub collation: Option<String>,
    /// Its generated expression.
    pub generated: Option<String>,
}

/// What an SQLite `CREATE TABLE` says that the pragmas do not.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct TableParts {
    /// The columns.
    pub columns: Vec<ColumnParts>,
    /// Every check, the columns' and the table's: its constraint name and expression.
    pub checks: Vec<(Option<String>, String)>,
    /// A virtual table's `USING module(args)`.
    pub using: Option<String>,
}

/// Reads an SQLite `CREATE TABLE` (or `CREATE VIRTUAL TABLE`).
pub(crate) fn table_parts(sql: &str) -> TableParts {
    let tokens = tokenize(sql);
    let mut parts = TableParts::default();
    if let Some(using) = find_word(&tokens, "using", 0) {
        parts.using = Some(join(&tokens[using..]));
        return parts;
    }
    let Some(open) = tokens.iter().position(|t| t.is_punct("(")) else {
        return parts;
    };
    // `CREATE TABLE t AS SELECT ...` has no definitions.
    if find_word(&tokens[..open], "as", 0).is_some() {
        return parts;
    }
    let Some(close) = matching(&tokens, open) else {
        return parts;
    };
    for item in split_commas(&tokens[open + 1..close]) {
        let Some(first) = item.first() else { continue };
        let constraint = ["constraint", "primary", "unique", "check", "foreign"]
            .iter()
            .any(|w| first.is_word(w));
        let mut column = None;
        let mut from = 0;
        if !constraint {
            column = Some(ColumnParts {
                name: match first {
                    Token::Quoted(q) => q.trim_matches('"').to_owned(),
                    other => other.text().to_owned(),
                },
                ..ColumnParts::default()
            });
            from = 1;
        }
        let mut name = None;
        let mut i = from;
        while i < item.len() {
            let t = &item[i];
            if t.is_word("constraint") {
                // Only a check's name is kept: the pragmas give the other constraints, nameless.
                let names_a_check = item.get(i + 2).is_some_and(|next| next.is_word("check"));
                name = item
                    .get(i + 1)
                    .filter(|_| names_a_check)
                    .map(|n| n.text().trim_matches('"').to_owned());
                i += 2;
                continue;
            }
            if t.is_word("check") || t.is_word("as") {
                if let Some(close) = item
                    .get(i + 1)
                    .filter(|p| p.is_punct("("))
                    .and_then(|_| matching(item, i + 1))
                {
                    let inner = join(unwrap_parens(&item[i + 1..=close]));
                    if t.is_word("check") {
                        parts.checks.push((name.take(), inner));
                    } else if let Some(column) = column.as_mut() {
                        column.generated = Some(inner);
                    }
                    i = close + 1;
                    continue;
                }
            }
            if t.is_word("collate") {
                if let (Some(column), Some(collation)) = (column.as_mut(), item.get(i + 1)) {
                    column.collation =
                        Some(collation.text().trim_matches('"').to_ascii_uppercase());
                }
                i += 2;
                continue;
            }
            if t.is_punct("(") {
                i = matching(item, i).map_or(item.len(), |c| c + 1);
                continue;
            }
            i += 1;
        }
        parts.columns.extend(column);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_equal_expressions_alike() {
        assert_eq!(expression("(a>0)"), expression("A > 0"));
        assert_eq!(expression("lower( \"Name\" )"), "lower(name)");
        assert_eq!(expression("'It''s'"), "'It''s'");
        assert_eq!(expression("x IN (1,2)"), expression("x in ( 1 , 2 )"));
        assert_ne!(expression("'A'"), expression("'a'"));
    }

    #[test]
    fn reads_checks_collations_and_generated_columns() {
        let parts = table_parts(
            "CREATE TABLE \"T\" (id INTEGER PRIMARY KEY, name TEXT COLLATE nocase CHECK (length(name) > 0), \
             total REAL GENERATED ALWAYS AS (price * 2) STORED, price REAL, \
             CONSTRAINT positive CHECK(price>=0), FOREIGN KEY (id) REFERENCES x(id))",
        );
        assert_eq!(
            parts.checks,
            [
                (None, "length(name) > 0".to_owned()),
                (Some("positive".to_owned()), "price >= 0".to_owned())
            ]
        );
        assert_eq!(parts.columns.len(), 4);
        assert_eq!(parts.columns[1].collation.as_deref(), Some("NOCASE"));
        assert_eq!(parts.columns[2].generated.as_deref(), Some("price * 2"));
    }

    #[test]
    fn names_a_check_only_by_its_own_constraint_clause() {
        let parts = table_parts(
            "CREATE TABLE t (id INTEGER CONSTRAINT pk PRIMARY KEY CHECK (id > 0), \
             CONSTRAINT u UNIQUE (id), CONSTRAINT \"Positive\" CHECK (id < 10))",
        );
        assert_eq!(
            parts.checks,
            [
                (None, "id > 0".to_owned()),
                (Some("positive".to_owned()), "id < 10".to_owned())
            ]
        );
    }

    #[test]
    fn a_table_made_from_a_query_or_a_module_has_no_definitions() {
        assert_eq!(
            table_parts("CREATE TABLE t AS SELECT (1) AS x"),
            TableParts::default()
        );
        let fts = table_parts("CREATE VIRTUAL TABLE docs USING fts5(title, body)");
        assert_eq!(fts.using.as_deref(), Some("using fts5(title, body)"));
        assert!(fts.columns.is_empty());
    }

    #[test]
    fn reads_index_keys_and_predicates() {
        let (keys, predicate) = index_parts(
            "CREATE UNIQUE INDEX i ON t (\"Email\" COLLATE NOCASE, lower(name) DESC, x ASC) WHERE deleted_at IS NULL",
        );
        assert_eq!(keys, ["email collate nocase", "lower(name) desc", "x"]);
        assert_eq!(predicate.as_deref(), Some("deleted_at is null"));
    }

    #[test]
    fn reads_a_view_query_and_a_trigger() {
        assert_eq!(
            view_query("CREATE VIEW v AS SELECT  a FROM t;"),
            "select a from t"
        );
        assert_eq!(
            statement("CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END"),
            statement("create trigger tr after insert on \"t\" begin select 1; end")
        );
    }
}
