//! Lints: migrations that are valid SQL and still take production down, or break the release
//! that is running while they apply. PostgreSQL through squawk's linter, SQLite through rules of
//! this crate; each rule has an id, a level, a one-line reason and the safe alternative.
//!
//! The engine only reads the files: nothing is applied. The `schema lint` command and the
//! `embed_migrations!` macro render what [`lint`] returns.

mod catalogue;
#[cfg(feature = "check-postgres")]
mod postgres;
mod sqlite;
mod sqlite_model;
#[cfg(test)]
mod tests;
mod words;

use crate::check::snippet;
use crate::diagnostic::{line_column, Location};
use crate::dialect::Dialect;
use crate::directive::{allowed_lint_rules, AllowedRule};
use crate::migration::{Migration, MigrationKind, MigrationSet};
use std::fmt;
use std::path::PathBuf;

pub use catalogue::{lint_rule, lint_rules, UNKNOWN_RULE};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing before a deploy, never a problem by itself (an index built on a table
    /// that may be large). Shown by `schema lint` only.
    Note,
    /// A risk: a lock held while a table is read or written whole, a change the release still
    /// running does not expect, a type that will need changing later.
    Warning,
    /// The migration fails on a database that holds data, or deletes data it does not name.
    /// `schema lint` exits with 1 on one.
    Error,
}

impl Level {
    /// `note`, `warning` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintRule {
    /// The id findings, `-- schema: allow(…)` and allow lists name it by
    /// (`require-concurrent-index-creation`, `add-column-not-null-without-default`).
    pub id: &'static str,
    /// The database whose migrations it reads.
    pub dialect: Dialect,
    /// How much a finding matters.
    pub level: Level,
    /// What goes wrong, in one line.
    pub reason: &'static str,
    /// What to write instead.
    pub alternative: &'static str,
}

/// What one rule found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// The rule's level.
    pub level: Level,
    /// Where: the file (as the folder's display paths show it), line and column.
    pub at: Location,
    /// The migration's version.
    pub version: i64,
    /// What was found, naming the objects.
    pub message: String,
    /// The safe alternative.
    pub alternative: &'static str,
    /// The line with a caret under the column, as the check's errors show it.
    pub snippet: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}: {}\n  help: {}",
            self.at, self.level, self.rule, self.message, self.alternative
        )
    }
}

/// Which migrations [`lint`] reports on. Every migration is read in any case, so that a rule
/// knows what the earlier ones made (a table created long ago, a foreign key to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintScope {
    /// Every migration.
    #[default]
    All,
    /// The migration with the highest version (its up, or its simple file), as the build
    /// lints by default: the one being written.
    Newest,
    /// The migrations with a version above this one, and the repeatable migrations.
    After(i64),
    /// The migrations whose files are these absolute paths (as given, or canonical).
    Files(Vec<PathBuf>),
}

impl LintScope {
    /// What the build lints by default, from the same line between old and new migrations
    /// the check draws: after `old = <version>`, every migration past it; with `old = none`,
    /// every migration; by default, the newest (the one being written: the others have
    /// likely run where it matters, and a lint of theirs would be noise at every build).
    pub fn at_build(old: crate::OldMigrations) -> LintScope {
        match old {
            crate::OldMigrations::UpTo(version) => LintScope::After(version),
            crate::OldMigrations::None => LintScope::All,
            _ => LintScope::Newest,
        }
    }
}

/// How [`lint`] judges a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintOptions {
    /// The database the migrations are written for.
    pub dialect: Dialect,
    /// Rules allowed everywhere (the project's allow list): their findings are not reported.
    pub allow: Vec<String>,
    /// Which migrations are reported on.
    pub scope: LintScope,
}

impl LintOptions {
    /// Every rule of `dialect`, on every migration.
    pub fn new(dialect: Dialect) -> Self {
        LintOptions {
            dialect,
            allow: Vec::new(),
            scope: LintScope::All,
        }
    }

    /// With `allow` as the project's allow list.
    pub fn with_allow(self, allow: Vec<String>) -> Self {
        LintOptions { allow, ..self }
    }

    /// Reporting on `scope` only.
    pub fn with_scope(self, scope: LintScope) -> Self {
        LintOptions { scope, ..self }
    }
}

/// A finding before it is located: the rule, the byte offset in the migration's SQL, and the
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) rule: &'static str,
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// The ids among `ids` that name no lint rule of any database, for an allow list given by a
/// person (`lint_allow = […]`, `schema lint --allow`).
pub fn unknown_lint_rules<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    ids.into_iter()
        .filter(|id| lint_rules().all(|rule| rule.id != *id))
        .collect()
}

/// Lints the migrations of `set` that `options.scope` names, in apply order, and returns what
/// the rules of `options.dialect` find, minus what is allowed: by `options.allow`, or by the
/// file's own `-- schema: allow(rule, …)` line (a directive left out of the checksum, so it can
/// be added to a file already applied). A name in such a line that is no rule is itself a
/// finding ([`UNKNOWN_RULE`]).
///
/// Downs are not linted: a down undoes its up, and dropping what the up made is its job.
/// Nothing is applied; a file PostgreSQL's parser cannot read is left to the check.
pub fn lint(set: &MigrationSet, options: &LintOptions) -> Vec<Finding> {
    let newest = set
        .migrations
        .iter()
        .filter(|m| matches!(m.kind, MigrationKind::Simple | MigrationKind::Up))
        .map(|m| m.version)
        .max();
    let selected = |m: &Migration| match &options.scope {
        LintScope::All => true,
        LintScope::Newest => Some(m.version) == newest && m.kind != MigrationKind::Repeatable,
        LintScope::After(version) => m.version > *version || m.kind == MigrationKind::Repeatable,
        LintScope::Files(paths) => {
            paths.contains(&m.path)
                || m.path
                    .canonicalize()
                    .is_ok_and(|canonical| paths.contains(&canonical))
        }
    };
    let mut model = sqlite_model::Model::default();
    let mut findings = Vec::new();
    for m in &set.migrations {
        if m.kind == MigrationKind::Down {
            continue;
        }
        let chosen = selected(m);
        let raw = match options.dialect {
            // Every file feeds the model, chosen or not.
            Dialect::Sqlite => sqlite::lint(m, &mut model),
            Dialect::Postgres if chosen => postgres_lint(m),
            Dialect::Postgres => Vec::new(),
        };
        if chosen {
            locate(m, raw, options, &mut findings);
        }
    }
    findings
}

#[cfg(feature = "check-postgres")]
fn postgres_lint(m: &Migration) -> Vec<Raw> {
    postgres::lint(m)
}

/// Without squawk (the `check-postgres` feature), PostgreSQL migrations are not linted.
#[cfg(not(feature = "check-postgres"))]
fn postgres_lint(_: &Migration) -> Vec<Raw> {
    Vec::new()
}

/// Turns `raw` findings of `m` into located ones, minus the allowed; adds one for each name
/// in the file's allow line that is no rule.
fn locate(m: &Migration, raw: Vec<Raw>, options: &LintOptions, findings: &mut Vec<Finding>) {
    let allowed = allowed_lint_rules(m.source());
    let at = |offset: usize, text: &str| {
        let (line, column) = line_column(text, offset.min(text.len()));
        (
            Location::at(m.display_path.clone(), line, column),
            snippet(text, line, column),
        )
    };
    for AllowedRule { id, offset } in &allowed {
        if lint_rule(options.dialect, id).is_none() {
            let (at, snippet) = at(*offset, m.source());
            findings.push(Finding {
                rule: UNKNOWN_RULE.id,
                level: UNKNOWN_RULE.level,
                at,
                version: m.version,
                message: format!(
                    "`{id}` is not a lint rule of {}, so `allow({id})` allows nothing",
                    options.dialect
                ),
                alternative: UNKNOWN_RULE.alternative,
                snippet,
            });
        }
    }
    for Raw {
        rule,
        offset,
        message,
    } in raw
    {
        let Some(rule) = lint_rule(options.dialect, rule) else {
            continue;
        };
        if options.allow.iter().any(|id| id == rule.id) || allowed.iter().any(|a| a.id == rule.id) {
            continue;
        }
        let (at, snippet) = at(offset, &m.sql);
        findings.push(Finding {
            rule: rule.id,
            level: rule.level,
            at,
            version: m.version,
            message,
            alternative: rule.alternative,
            snippet,
        });
    }
}
