//! The PostgreSQL check: every file parsed by squawk's parser, a pure-Rust PostgreSQL parser
//! tested against PostgreSQL's own regression suite. Nothing is run, so a table or column that
//! does not exist is not found; a syntax error is.
//!
//! - The bodies of dollar-quoted functions and `DO` blocks (PL/pgSQL) are strings to the parser
//!   and are not checked; `LANGUAGE sql` bodies are.
//! - One error per statement: what the parser reports after its first error in a statement is
//!   usually a consequence of it.

use crate::check::{snippet, Prefix};
use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::{Migration, MigrationSet};
use crate::statement::split_statements;
use std::path::Path;

mod clean;
mod confine;
mod nesting;
mod transaction;

/// Parses every file of `set` and returns every syntax error, one per statement at most, and
/// with `prefix`, every statement that creates, alters, drops, renames or writes an object
/// outside it. With `cache`, a folder of the target directory, a file whose SQL the last
/// build parsed clean is not parsed again (see `clean.rs`; not with a prefix).
pub(crate) fn check(
    set: &MigrationSet,
    prefix: Option<Prefix<'_>>,
    cache: Option<&Path>,
) -> Vec<Error> {
    let mut errors = Vec::new();
    // The temporary objects created so far, lowercased: writing them is no other set's
    // business.
    let mut temporary = Vec::new();
    let mut clean = cache
        .filter(|_| prefix.is_none())
        .map(|dir| clean::Clean::load(dir, &set.dir));
    for m in &set.migrations {
        if m.no_check() || m.noop {
            continue;
        }
        let digest = clean.as_ref().map(|_| crate::check::sql_digest(m));
        if let (Some(clean), Some(digest)) = (&mut clean, digest) {
            if clean.knows(&digest) {
                clean.add(digest);
                continue;
            }
        }
        let confine = prefix.map(|prefix| (prefix, &mut temporary));
        let found_nothing = check_file(m, confine, &mut errors);
        if let (Some(clean), Some(digest), true) = (&mut clean, digest, found_nothing) {
            clean.add(digest);
        }
    }
    if let Some(clean) = clean {
        clean.save();
    }
    errors
}

/// The parser's stack before any nesting: its fixed calls, and the thread's own needs. The parser
/// runs on a thread of its own with this and [`nesting::STACK_PER_LEVEL`] per level allowed, so
/// that any statement [`nesting`] lets through fits, whatever the stack of the thread that runs
/// the check.
const BASE_STACK: usize = 1 << 20;

/// What the parser finds in a file.
#[derive(Debug, Default)]
struct Parsed {
    /// Byte offsets and messages of the syntax errors, in order.
    errors: Vec<(usize, String)>,
    /// What PostgreSQL refuses inside a transaction block: byte offset and command.
    outside_transaction: Vec<(usize, &'static str)>,
    /// What each statement creates, alters, drops, renames or writes.
    touches: Vec<confine::Touch>,
}

/// Parses `sql`; `None` when it cannot be parsed at all (nested deeper than
/// [`nesting::MAX_DEPTH`], which [`check_file`] reports).
fn parse(sql: &str) -> Option<Parsed> {
    parse_within(sql, nesting::MAX_DEPTH)
}

/// [`parse`] with the nesting limited to `depth` and a stack sized for it. A parser that panics
/// on some input finds nothing rather than failing the build: a false error is worse than a
/// missed one.
fn parse_within(sql: &str, depth: usize) -> Option<Parsed> {
    with_tree_within(sql, depth, |file| Parsed {
        errors: file
            .errors()
            .into_iter()
            .map(|e| (usize::from(e.range().start()), e.message().to_owned()))
            .collect(),
        outside_transaction: transaction::outside_transaction_only(&file.syntax_node()),
        touches: confine::touches(&file.syntax_node()),
    })
}

/// Runs `f` over squawk's syntax tree of `sql`, parsed as [`parse`] parses: `None` when the
/// file nests deeper than the check follows, or when the parser or `f` panics (a false finding
/// is worse than a missed one). The lints read the tree through it.
pub(crate) fn with_tree<T: Send + 'static>(
    sql: &str,
    f: impl FnOnce(&squawk_syntax::Parse<squawk_syntax::SourceFile>) -> T + Send + 'static,
) -> Option<T> {
    with_tree_within(sql, nesting::MAX_DEPTH, f)
}

fn with_tree_within<T: Send + 'static>(
    sql: &str,
    depth: usize,
    f: impl FnOnce(&squawk_syntax::Parse<squawk_syntax::SourceFile>) -> T + Send + 'static,
) -> Option<T> {
    if nesting::deeper_than(sql, depth).is_some() {
        return None;
    }
    let sql = sql.to_owned();
    let parse = move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            f(&squawk_syntax::SourceFile::parse(&sql))
        }))
        .ok()
    };
    std::thread::Builder::new()
        .name("schema-postgres-parse".to_owned())
        .stack_size(depth * nesting::STACK_PER_LEVEL + BASE_STACK)
        .spawn(parse)
        .ok()?
        .join()
        .ok()
        .flatten()
}

/// Whether `sql` parses as PostgreSQL (for the SQLite check's hint).
#[cfg_attr(not(feature = "check-sqlite"), allow(dead_code))]
pub(crate) fn parses(sql: &str) -> bool {
    parse(sql).is_some_and(|parsed| parsed.errors.is_empty())
}

/// Checks one file; `true` when the parser read it whole and found nothing, not even what
/// PostgreSQL refuses inside a transaction (which a `-- no-transaction` file may hold).
fn check_file(
    m: &Migration,
    confine: Option<(Prefix<'_>, &mut Vec<String>)>,
    errors: &mut Vec<Error>,
) -> bool {
    if let Some(offset) = nesting::deeper_than(&m.sql, nesting::MAX_DEPTH) {
        let (line, column) = line_column(&m.sql, offset);
        errors.push(Error::NestedTooDeep {
            at: Location::at(m.display_path.clone(), line, column),
            limit: nesting::MAX_DEPTH,
        });
        return false;
    }
    let parsed = parse(&m.sql);
    let found_nothing = parsed
        .as_ref()
        .is_some_and(|p| p.errors.is_empty() && p.outside_transaction.is_empty());
    let parsed = parsed.unwrap_or_default();
    let statements = split_statements(&m.sql);
    // The statement a problem is in: the last one starting at or before it (an error at the
    // very end, such as a missing `)`, belongs to the last statement).
    let statement_at = |offset: usize| statements.iter().rposition(|s| s.offset <= offset);
    let location = |offset: usize| {
        let (line, column) = line_column(&m.sql, offset.min(m.sql.len()));
        (
            Location::at(m.display_path.clone(), line, column),
            line,
            column,
        )
    };
    let mut reported = Vec::new();
    for (offset, message) in parsed.errors {
        let statement = statement_at(offset);
        if reported.contains(&statement) {
            continue;
        }
        reported.push(statement);
        let (at, line, column) = location(offset);
        errors.push(Error::PostgresSyntax {
            at,
            reason: explain_unknown_command(reword(&message), m.sql.get(offset..).unwrap_or("")),
            snippet: snippet(&m.sql, line, column),
        });
    }
    if let Some((prefix, temporary)) = confine {
        // A statement the parser could not read has a tree that may not say what it does.
        let syntax_errors = reported.clone();
        for (offset, action, kind, name) in parsed.touches {
            let lower = name.to_lowercase();
            if kind == confine::TEMPORARY {
                temporary.push(lower);
            } else if !syntax_errors.contains(&statement_at(offset))
                && !prefix.allows(&name)
                && !temporary.contains(&lower)
            {
                errors.push(prefix.violation(m, offset, action, kind, &name));
            }
        }
    }
    if m.no_transaction() {
        return found_nothing;
    }
    for (offset, command) in parsed.outside_transaction {
        let statement = statement_at(offset);
        if reported.contains(&statement) {
            continue;
        }
        reported.push(statement);
        let (at, line, column) = location(offset);
        errors.push(Error::OutsideTransactionOnly {
            at,
            command,
            snippet: snippet(&m.sql, line, column),
        });
    }
    found_nothing
}

/// "expected command, found `ALTER`" points at a keyword that is fine: what is wrong comes
/// after it (`ALTER TABEL`). Say so, quoting the statement's first words.
fn explain_unknown_command(reason: String, from_error: &str) -> String {
    if !reason.starts_with("expected command, found `") {
        return reason;
    }
    let words: Vec<&str> = from_error.split_whitespace().take(2).collect();
    match words.as_slice() {
        [first, second] => format!(
            "`{first} {second}` does not start a statement postgresql knows; check the words after `{first}`"
        ),
        _ => reason,
    }
}

/// The parser's message with its token names written as SQL: `expected R_PAREN` becomes
/// ``expected `)` ``, `found IDENT` becomes `found a name`.
fn reword(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(&token_name(word));
            word.clear();
        }
    };
    for c in message.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    // Messages start with a capital now and then; ours are lowercase.
    let mut chars = out.chars();
    match chars.next() {
        Some(first)
            if chars
                .as_str()
                .starts_with(|c: char| c.is_lowercase() || c == ' ') =>
        {
            first.to_lowercase().chain(chars).collect()
        }
        _ => out,
    }
}

fn token_name(word: &str) -> String {
    if let Some(keyword) = word.strip_suffix("_KW") {
        if !keyword.is_empty() && keyword.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            return format!("`{keyword}`");
        }
    }
    let punctuation = match word {
        "L_PAREN" => "(",
        "R_PAREN" => ")",
        "L_BRACK" => "[",
        "R_BRACK" => "]",
        "SEMICOLON" => ";",
        "COMMA" => ",",
        "DOT" => ".",
        "COLON" => ":",
        "COLON2" => "::",
        "EQ" => "=",
        "STAR" => "*",
        "PLUS" => "+",
        "MINUS" => "-",
        "SLASH" => "/",
        "PERCENT" => "%",
        "L_ANGLE" => "<",
        "R_ANGLE" => ">",
        "IDENT" => return "a name".to_owned(),
        "EOF" => return "the end of the file".to_owned(),
        _ => return word.to_owned(),
    };
    format!("`{punctuation}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::nesting_tests::{nested, KINDS};
    use crate::check::resolved;

    /// Checks a folder holding `files`, returning the messages.
    fn check_files(files: &[(&str, &str)]) -> Vec<String> {
        check(&resolved(files), None, None)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// A file whose SQL the last build parsed clean is not parsed again: a record naming a
    /// broken file's SQL hides its error, which shows the record is what is read. A file with
    /// an error is never recorded, and a set confined to a prefix does not use the records.
    #[test]
    fn sql_parsed_clean_before_is_not_parsed_again() {
        let cache = tempfile::tempdir().unwrap();
        let set = resolved(&[
            ("1_a.sql", "CREATE TABEL t (id int);\n"),
            ("2_b.sql", "CREATE TABLE u (id int);\n"),
        ]);
        let cached = |prefix: Option<Prefix<'_>>| check(&set, prefix, Some(cache.path())).len();
        assert_eq!(cached(None), 1);
        assert_eq!(cached(None), 1, "an error is found at every build");
        let mut clean = clean::Clean::load(cache.path(), &set.dir);
        clean.add(crate::check::sql_digest(&set.migrations[0]));
        clean.save();
        assert_eq!(cached(None), 0);
        assert_eq!(check(&set, None, None).len(), 1);
        assert_eq!(cached(Some(Prefix::new(""))), 1);
        // The second file was parsed clean by the run before: recorded in its turn.
        assert!(clean::Clean::load(cache.path(), &set.dir)
            .knows(&crate::check::sql_digest(&set.migrations[1])));
    }

    #[test]
    fn refuses_nesting_past_the_limit_at_its_location_without_crashing() {
        // 60,000 unary minus or 50,000 `NOT` overflowed the parser's stack and killed rustc.
        for sql in [
            format!("SELECT {}1;", "- ".repeat(60_000)),
            format!("SELECT\n  {}true;", "NOT ".repeat(50_000)),
            format!("SELECT {}1{};", "(".repeat(60_000), ")".repeat(60_000)),
        ] {
            let errors = check_files(&[("1_a.sql", &sql)]);
            assert_eq!(errors.len(), 1, "{errors:#?}");
            assert!(
                errors[0].contains("the statement nests deeper than the check follows"),
                "{errors:#?}"
            );
            assert!(!parses(&sql));
        }
        let errors = check_files(&[("1_a.sql", &format!("SELECT {}1;", "- ".repeat(60_000)))]);
        assert!(
            errors[0].starts_with("migrations/1_a.sql:1:20006: "),
            "{errors:#?}"
        );
    }

    #[test]
    fn parses_nesting_up_to_the_limit() {
        // Deep, but within the limit: parsed and checked, on a stack sized for the limit.
        let deep = format!("SELECT {}1{};", "(".repeat(9_000), ")".repeat(9_000));
        assert_eq!(check_files(&[("1_a.sql", &deep)]), Vec::<String>::new());
        let unclosed = format!("SELECT {}1;", "(".repeat(2_800));
        assert_eq!(check_files(&[("1_a.sql", &unclosed)]).len(), 1);
        let nested = format!("SELECT {}1{} FROM;", "(".repeat(500), ")".repeat(500));
        assert_eq!(check_files(&[("1_a.sql", &nested)]).len(), 1);
    }

    #[test]
    fn the_stack_fits_every_kind_of_nesting_at_the_limit() {
        // The stack is sized from the limit; each kind, as deep as a limit lets through, must
        // parse on it (an overflow aborts this test), and one level more is refused. A smaller
        // limit than the real one keeps the slowest kinds quick; the stack scales with it.
        const LIMIT: usize = 1_000;
        for kind in KINDS {
            let fits = (1..LIMIT)
                .take_while(|n| nesting::deeper_than(&nested(kind, *n), LIMIT).is_none())
                .last()
                .unwrap_or_else(|| panic!("{kind}: one level is past the limit"));
            assert!(
                parse_within(&nested(kind, fits), LIMIT).is_some(),
                "{kind} at {fits} levels"
            );
            assert!(
                parse_within(&nested(kind, fits + 1), LIMIT).is_none(),
                "{kind} at {} levels",
                fits + 1
            );
        }
    }

    #[test]
    fn accepts_postgres_only_syntax() {
        let errors = check_files(&[
            (
                "1_a.sql",
                "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
                 CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, d jsonb DEFAULT '{}'::jsonb);\n\
                 CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;\n\
                 DO $$ BEGIN PERFORM 1; END $$;",
            ),
            ("2_b.sql", "-- no-transaction\nCREATE INDEX CONCURRENTLY a_d ON a USING gin (d);"),
        ]);
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn reports_one_error_per_statement_with_line_column_and_snippet() {
        let errors = check_files(&[(
            "1_a.sql",
            "CREATE TABLE a (id int,);\nSELECT 1;\nALTER TABEL a ADD COLUMN b int;\n",
        )]);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(
            errors[0],
            "migrations/1_a.sql:1:23: not valid postgresql: unexpected trailing comma; fix the \
             statement, or opt the file out with `-- schema: no-check`\n  |\n1 | CREATE TABLE a \
             (id int,);\n  |                       ^"
        );
        assert!(
            errors[1].starts_with("migrations/1_a.sql:3:"),
            "{errors:#?}"
        );
    }

    #[test]
    fn reports_every_file_and_skips_opted_out_ones() {
        let errors = check_files(&[
            ("1_a.sql", "CREAT TABLE a (id int);"),
            ("2_b.sql", "-- schema: no-check\nthis is not sql;"),
            ("3_c.sql", "CREATE TABLE c (id int"),
        ]);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/1_a.sql:1:1:"),
            "{errors:#?}"
        );
        assert!(
            errors[1].starts_with("migrations/3_c.sql:1:"),
            "{errors:#?}"
        );
    }

    #[test]
    fn explains_an_unknown_command_by_its_first_words() {
        assert_eq!(
            explain_unknown_command(
                "expected command, found `ALTER`".to_owned(),
                "ALTER TABEL accounts ADD COLUMN name text;"
            ),
            "`ALTER TABEL` does not start a statement postgresql knows; check the words after `ALTER`"
        );
        assert_eq!(
            explain_unknown_command("expected `)`".to_owned(), "x"),
            "expected `)`"
        );
    }

    #[test]
    fn rewords_token_names() {
        assert_eq!(reword("expected R_PAREN"), "expected `)`");
        assert_eq!(
            reword("expected command, found IDENT"),
            "expected command, found a name"
        );
        assert_eq!(reword("expected NULL_KW"), "expected `NULL`");
        assert_eq!(
            reword("Expected at least one column assignment after SET"),
            "expected at least one column assignment after SET"
        );
    }
}
