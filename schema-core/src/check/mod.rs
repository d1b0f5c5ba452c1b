//! The build-time check of the SQL itself, after [`resolve_dir`](crate::resolve_dir) has
//! accepted the folder: SQLite applies the chain, PostgreSQL parses each file.

mod base;
mod old;
#[cfg(feature = "check-postgres")]
mod postgres;
#[cfg_attr(
    not(any(feature = "check-sqlite", feature = "check-postgres")),
    allow(dead_code)
)]
mod prefix;
#[cfg(feature = "check-sqlite")]
mod sqlite;
#[cfg(feature = "check-sqlite")]
pub use sqlite::tune_sqlite_for_check;

use crate::dialect::Dialect;
use crate::error::Error;
use crate::migration::MigrationSet;
use crate::warning::Warning;
pub use base::resolve_after;
pub(crate) use old::Judge;
pub use old::OldMigrations;
#[cfg(feature = "check-postgres")]
pub(crate) use postgres::with_tree;
pub use prefix::PrefixViolation;
#[cfg_attr(
    not(any(feature = "check-sqlite", feature = "check-postgres")),
    allow(unused_imports)
)]
pub(crate) use prefix::{Action, Prefix};

/// How [`check`] judges a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The database the migrations are written for.
    pub dialect: Dialect,
    /// Which migrations are old: their problems are warnings.
    pub old: OldMigrations,
    /// The sets this one builds on (`after = …`, resolved by [`resolve_after`]), in the order
    /// they apply before it. SQLite applies each one's chain first, so a migration that uses
    /// their tables is judged against them; their own problems are not reported.
    pub after: Vec<MigrationSet>,
    /// The prefix every object the set creates, changes, drops, renames or writes must start
    /// with (`prefix = "calendar_"`); `None` for no confinement.
    pub prefix: Option<String>,
    /// A folder of the build's target directory where the SQLite check keeps checkpoints of
    /// the chain between builds, so that a rebuild applies again only the migrations from the
    /// first changed one on, and the PostgreSQL check the files it parsed clean, so that a
    /// rebuild parses only the others; `None` for none. A checkpoint stands only for
    /// migrations that ran clean, with identical files and settings; a file is taken as clean
    /// only for SQL identical byte for byte; what cannot be read is ignored.
    pub cache_dir: Option<std::path::PathBuf>,
}

impl CheckOptions {
    /// Options for `dialect`, with the default line between old and new migrations.
    pub fn new(dialect: Dialect) -> Self {
        CheckOptions {
            dialect,
            old: OldMigrations::default(),
            after: Vec::new(),
            prefix: None,
            cache_dir: None,
        }
    }

    /// With what the checks keep between builds in `dir`: the SQLite check's checkpoints, the
    /// PostgreSQL check's files parsed clean.
    pub fn with_cache_dir(self, dir: impl Into<std::path::PathBuf>) -> Self {
        CheckOptions {
            cache_dir: Some(dir.into()),
            ..self
        }
    }

    /// With `old` as the line between old and new migrations.
    pub fn with_old(self, old: OldMigrations) -> Self {
        CheckOptions { old, ..self }
    }

    /// With `after` as the sets this one builds on, in apply order.
    pub fn with_after(self, after: Vec<MigrationSet>) -> Self {
        CheckOptions { after, ..self }
    }

    /// Confined to `prefix`.
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        CheckOptions {
            prefix: Some(prefix.into()),
            ..self
        }
    }
}

/// Checks the SQL of a resolved folder, reporting every problem found.
///
/// - SQLite (feature `check-sqlite`): applies the migrations in order to an in-memory database
///   with SQLite's own parser, so a syntax error, or a table or column that does not exist at
///   that point, is reported with its file, line and column. Each reversible pair is checked
///   right after its up: the down must bring the schema back to what it was before the up.
/// - PostgreSQL (feature `check-postgres`): parses every file; nothing is run.
///
/// With [`CheckOptions::prefix`], each statement that creates, alters, drops, renames or
/// writes an object whose name lacks the prefix is an error ([`Error::OutsidePrefix`]):
/// SQLite reports what each statement does through its authorizer, PostgreSQL's syntax tree
/// says it. [`CheckOptions::after`] names the sets applied first (SQLite).
///
/// Files with `-- schema: no-check` are not judged (see [`Directive::NoCheck`]).
///
/// A problem in an old migration ([`CheckOptions::old`]) is returned as a [`Warning`], and so
/// is a down that restores every column but not their order; the errors are the rest. The
/// warnings come in apply order.
///
/// [`Directive::NoCheck`]: crate::Directive::NoCheck
#[cfg_attr(
    not(all(feature = "check-sqlite", feature = "check-postgres")),
    allow(unused_variables)
)]
pub fn check(set: &MigrationSet, options: &CheckOptions) -> Result<Vec<Warning>, Vec<Error>> {
    let judge = Judge::new(set, options.old);
    let prefix = options.prefix.as_deref().map(Prefix::new);
    let (found, warnings) = match options.dialect {
        #[cfg(feature = "check-sqlite")]
        Dialect::Sqlite => {
            // Everything besides the files that changes what the check finds.
            let settings = format!("{:?}\0{:?}", options.dialect, options.old);
            let cache = options
                .cache_dir
                .as_deref()
                .map(|dir| (dir, settings.as_str()));
            sqlite::check(set, &judge, &options.after, prefix, cache)
        }
        #[cfg(feature = "check-postgres")]
        Dialect::Postgres => (
            postgres::check(set, prefix, options.cache_dir.as_deref()),
            Vec::new(),
        ),
        #[allow(unreachable_patterns)]
        dialect => (
            vec![Error::CheckUnavailable {
                dialect,
                feature: match dialect {
                    Dialect::Sqlite => "check-sqlite",
                    Dialect::Postgres => "check-postgres",
                },
            }],
            Vec::new(),
        ),
    };
    let (errors, warnings) = judge.sort(found, warnings);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(errors)
    }
}

/// SHA-256 of exactly the SQL the check runs, what the checks' records between builds are keyed
/// by. For most files that is the checksum reading the folder computed already
/// ([`Checksum::of_migration`](crate::Checksum::of_migration)): the file itself, with no BOM,
/// no line of directives and no carriage return for that checksum to leave out or turn into a
/// line feed, and no half or `BEGIN`/`COMMIT` blanked out of it (then `source` is `None`).
/// Hashing the SQL again costs 11 ms at 1,000 migrations, unoptimised.
#[cfg_attr(
    not(any(feature = "check-sqlite", feature = "check-postgres")),
    allow(dead_code)
)]
pub(crate) fn sql_digest(m: &crate::migration::Migration) -> [u8; 32] {
    let same_text = m.source.is_none() && !m.bom && m.legacy_checksum.is_none();
    if same_text && !m.sql.contains('\r') {
        m.checksum.0
    } else {
        <sha2::Sha256 as sha2::Digest>::digest(m.sql.as_bytes()).into()
    }
}

/// The line of `sql` holding the 1-based `line`, with a caret under the 1-based `column`, the
/// way rustc shows source:
///
/// ```text
///   |
/// 3 | INSERT INTO users (id) VALUES (1);
///   |             ^
/// ```
///
/// Tabs are shown as four spaces so that the caret stays under its character.
#[cfg_attr(
    not(any(feature = "check-sqlite", feature = "check-postgres")),
    allow(dead_code)
)]
pub(crate) fn snippet(sql: &str, line: usize, column: usize) -> String {
    let text = sql
        .split('\n')
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim_end_matches('\r');
    let expand = |s: &str| s.replace('\t', "    ");
    let before: String = text.chars().take(column.saturating_sub(1)).collect();
    let pad = " ".repeat(expand(&before).chars().count());
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    format!("{gutter} |\n{number} | {}\n{gutter} | {pad}^", expand(text))
}

/// A resolved folder holding `files`, for the checkers' tests.
#[cfg(all(test, any(feature = "check-sqlite", feature = "check-postgres")))]
pub(crate) fn resolved(files: &[(&str, &str)]) -> MigrationSet {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for (name, sql) in files {
        std::fs::write(migrations.join(name), sql).unwrap();
    }
    crate::discover::resolve_dir(dir.path(), "migrations").unwrap()
}

/// Statements nested each way a parser may recurse on, for the checkers' tests: no input may
/// crash the build.
#[cfg(all(test, any(feature = "check-sqlite", feature = "check-postgres")))]
pub(crate) mod nesting_tests {
    /// A statement of each kind of nesting the parser recurses on, `n` levels deep.
    pub(crate) fn nested(kind: &str, n: usize) -> String {
        let r = |s: &str| s.repeat(n);
        match kind {
            "parentheses" => format!("SELECT {}1{};", r("("), r(")")),
            "brackets" => format!("SELECT ARRAY{}1{};", r("["), r("]")),
            "minus" => format!("SELECT {}1;", r("- ")),
            "plus" => format!("SELECT {}1;", r("+ ")),
            "tilde" => format!("SELECT {}1;", r("~ ")),
            "at" => format!("SELECT {}1;", r("@ ")),
            "square root" => format!("SELECT {}1;", r("|/ ")),
            "not" => format!("SELECT {}true;", r("NOT ")),
            "operator call" => format!("SELECT {}1;", r("OPERATOR(pg_catalog.-) ")),
            "case" => format!("SELECT {}1{};", r("CASE WHEN true THEN "), r(" END")),
            "array" => format!("SELECT {}1{};", r("ARRAY["), r("]")),
            "row" => format!("SELECT {}1{};", r("ROW("), r(")")),
            "function call" => format!("SELECT {}1{};", r("f("), r(")")),
            "subquery" => format!("SELECT {}1{};", r("(SELECT "), r(")")),
            "exists" => format!("SELECT {}1{};", r("EXISTS (SELECT "), r(")")),
            "equals" => format!("SELECT 1{};", r(" = 1")),
            "concatenation" => format!("SELECT 'a'{};", r(" || 'a'")),
            "json arrow" => format!("SELECT x{};", r(" -> 'a'")),
            "in" => format!("SELECT 1{};", r(" IN (1)")),
            "between" => format!("SELECT 1{};", r(" BETWEEN 1 AND 1")),
            "joins in parentheses" => {
                format!("SELECT * FROM {}a{};", r("("), r(" JOIN a ON true)"))
            }
            "minus and parenthesis" => format!("SELECT {}1{};", r("-("), r(")")),
            _ => unreachable!("no nesting kind {kind}"),
        }
    }

    /// Every kind of nesting of [`nested`].
    pub(crate) const KINDS: &[&str] = &[
        "parentheses",
        "brackets",
        "minus",
        "plus",
        "tilde",
        "at",
        "square root",
        "not",
        "operator call",
        "case",
        "array",
        "row",
        "function call",
        "subquery",
        "exists",
        "equals",
        "concatenation",
        "json arrow",
        "in",
        "between",
        "joins in parentheses",
        "minus and parenthesis",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::from_name(d.name()), Some(*d));
        }
        assert_eq!(Dialect::from_name("mysql"), None);
        assert_eq!(Dialect::default(), Dialect::Sqlite);
    }

    #[test]
    fn snippet_puts_the_caret_under_the_column() {
        let sql = "CREATE TABLE a (id INT);\r\nINSERT INTO b VALUES (1);\r\n";
        assert_eq!(
            snippet(sql, 2, 13),
            "  |\n2 | INSERT INTO b VALUES (1);\n  |             ^"
        );
        let sql = "\tSELECT é, x;";
        assert_eq!(
            snippet(sql, 1, 12),
            "  |\n1 |     SELECT é, x;\n  |               ^"
        );
    }

    #[test]
    fn snippet_of_a_line_past_the_end_is_empty_but_does_not_panic() {
        assert_eq!(snippet("", 4, 9), "  |\n4 | \n  | ^");
    }
}
