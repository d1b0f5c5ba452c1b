//! Statements read as words, for the rules that need no syntax tree: keywords compared without
//! regard to case, names unquoted and lowercased by their last part.

use crate::statement::tokens_at;

/// A token of a statement and where it starts in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Word<'a> {
    /// Byte offset in the file.
    pub(super) at: usize,
    /// The token as written.
    pub(super) text: &'a str,
}

impl Word<'_> {
    /// Whether the token is the keyword `keyword` (any case).
    pub(super) fn is(&self, keyword: &str) -> bool {
        self.text.eq_ignore_ascii_case(keyword)
    }

    /// Whether the token is one of `keywords`.
    pub(super) fn is_any(&self, keywords: &[&str]) -> bool {
        keywords.iter().any(|k| self.is(k))
    }
}

/// The tokens of `text` (a statement at byte `offset` of its file), blanks and comments left
/// out.
pub(super) fn words(text: &str, offset: usize) -> Vec<Word<'_>> {
    tokens_at(text)
        .map(|(at, text)| Word {
            at: offset + at,
            text,
        })
        .collect()
}

/// A name as SQLite and PostgreSQL compare it: quotes removed (`"x"`, `` `x` ``, `[x]`,
/// `'x'`), lowercased.
pub(super) fn unquote(text: &str) -> String {
    let inner = match text.as_bytes().first() {
        Some(b'"') | Some(b'`') | Some(b'\'') if text.len() >= 2 => &text[1..text.len() - 1],
        Some(b'[') if text.ends_with(']') && text.len() >= 2 => &text[1..text.len() - 1],
        _ => text,
    };
    inner.to_lowercase()
}

/// The name starting at `words[i]`, by its last part (`main.users` is `users`), and the index
/// after it; `None` when there is no name there.
pub(super) fn name_at(words: &[Word<'_>], i: usize) -> Option<(String, usize)> {
    let first = words.get(i)?;
    if !is_name(first.text) {
        return None;
    }
    match (words.get(i + 1), words.get(i + 2)) {
        (Some(dot), Some(last)) if dot.text == "." && is_name(last.text) => {
            Some((unquote(last.text), i + 3))
        }
        _ => Some((unquote(first.text), i + 1)),
    }
}

/// Whether `text` can be a name: a word, or a quoted name.
fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | '"' | '`' | '[' | '\''))
}

/// The index of the first word at or after `i` that is none of `skip`.
pub(super) fn skip(words: &[Word<'_>], mut i: usize, skip: &[&str]) -> usize {
    while words.get(i).is_some_and(|w| w.is_any(skip)) {
        i += 1;
    }
    i
}

/// The names of the objects `sql` creates (`CREATE [OR REPLACE] [MATERIALIZED] VIEW v`,
/// `CREATE TABLE t`, `CREATE FUNCTION f`, …), by their last part.
#[cfg_attr(not(feature = "check-postgres"), allow(dead_code))]
pub(super) fn created_names(sql: &str) -> Vec<String> {
    let words = words(sql, 0);
    let mut names = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if word.is("CREATE") {
            let at = skip(&words, i + 1, OBJECT_WORDS);
            if let Some((name, _)) = name_at(&words, at) {
                names.push(name);
            }
        }
    }
    names
}

/// The name a `DROP <kind> [IF EXISTS] name` starting at byte `offset` of `sql` drops.
#[cfg_attr(not(feature = "check-postgres"), allow(dead_code))]
pub(super) fn dropped_name(sql: &str, offset: usize) -> Option<String> {
    let words = words(sql.get(offset..)?, offset);
    if !words.first()?.is("DROP") {
        return None;
    }
    name_at(&words, skip(&words, 1, OBJECT_WORDS)).map(|(name, _)| name)
}

/// The words between `CREATE`/`DROP` and an object's name.
#[cfg_attr(not(feature = "check-postgres"), allow(dead_code))]
const OBJECT_WORDS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "MATERIALIZED",
    "RECURSIVE",
    "TABLE",
    "VIEW",
    "FUNCTION",
    "PROCEDURE",
    "TYPE",
    "SEQUENCE",
    "DOMAIN",
    "IF",
    "NOT",
    "EXISTS",
];

/// The tables `sql` empties before byte `offset`: `DELETE FROM t` without `WHERE`, and
/// `TRUNCATE [TABLE] t`. A column added to such a table meets no row.
#[cfg_attr(not(feature = "check-postgres"), allow(dead_code))]
pub(super) fn emptied_before(sql: &str, offset: usize) -> Vec<String> {
    let before = sql.get(..offset).unwrap_or("");
    let mut emptied = Vec::new();
    for statement in crate::statement::split_statements(before) {
        let words = words(statement.text, statement.offset);
        let first = words.first();
        if first.is_some_and(|w| w.is("DELETE")) && !words.iter().any(|w| w.is("WHERE")) {
            let at = skip(&words, 1, &["FROM", "ONLY"]);
            emptied.extend(name_at(&words, at).map(|(name, _)| name));
        } else if first.is_some_and(|w| w.is("TRUNCATE")) {
            let at = skip(&words, 1, &["TABLE", "ONLY"]);
            emptied.extend(name_at(&words, at).map(|(name, _)| name));
        }
    }
    emptied
}

/// The table an `ALTER TABLE [ONLY] [IF EXISTS] t …` starting at byte `offset` of `sql`
/// alters.
#[cfg_attr(not(feature = "check-postgres"), allow(dead_code))]
pub(super) fn altered_table(sql: &str, offset: usize) -> Option<String> {
    // The violation points into the statement; its start is the last `ALTER` before it.
    let statement = crate::statement::split_statements(sql)
        .into_iter()
        .rfind(|s| s.offset <= offset)?;
    let words = words(statement.text, statement.offset);
    if !words.first()?.is("ALTER") {
        return None;
    }
    name_at(&words, skip(&words, 1, &["TABLE", "ONLY", "IF", "EXISTS"])).map(|(name, _)| name)
}
