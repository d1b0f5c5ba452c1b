//! Old migrations: those that have run where it matters, whose problems the check reports as
//! warnings instead of failing the build.

use crate::error::Error;
use crate::migration::{Migration, MigrationKind, MigrationSet};
use crate::warning::Warning;
use std::collections::HashMap;

/// Which migrations are old. A real folder carries years of migrations that have run on every
/// database that matters, with downs nobody will run again: a down that forgets an index, one
/// missing a `;`. The check judges new migrations in full and reports a problem in an old one
/// as a warning ([`Warning::InOldMigration`]); the SQLite check goes on past an old up's
/// failing statement as well as it can, as the up ran where it was deployed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OldMigrations {
    /// The default: every up is new; every down is old but the newest migration's. An up is
    /// what a deploy runs, so a broken one in any migration not yet deployed fails it, and the
    /// build cannot know which are; a down runs only on a revert, which in practice takes back
    /// the newest migration, so that is the down judged in full.
    #[default]
    DownsBeforeNewest,
    /// Every migration up to and including this version, up and down; every one after it is
    /// new, its down included (`old = <version>`).
    UpTo(i64),
    /// No migration: every problem fails the build (`old = none`).
    None,
}

impl OldMigrations {
    /// The value `old = …` or `--old …` names: a version, or `none`; `None` for anything
    /// else.
    pub fn from_arg(value: &str) -> Option<Self> {
        match value.trim() {
            "none" => Some(OldMigrations::None),
            version => version.parse().ok().map(OldMigrations::UpTo),
        }
    }
}

/// Tells old migrations from new ones in one folder, and sorts the check's findings.
pub(crate) struct Judge<'a> {
    old: OldMigrations,
    /// The version of the newest applying migration.
    newest: Option<i64>,
    by_file: HashMap<&'a str, &'a Migration>,
    /// Each file's place in apply order, so that warnings come in that order.
    order: HashMap<&'a str, usize>,
}

impl<'a> Judge<'a> {
    pub(crate) fn new(set: &'a MigrationSet, old: OldMigrations) -> Self {
        Judge {
            old,
            newest: set
                .migrations
                .iter()
                .rfind(|m| m.kind != MigrationKind::Down)
                .map(|m| m.version),
            by_file: set
                .migrations
                .iter()
                .map(|m| (m.display_path.as_str(), m))
                .collect(),
            order: set
                .migrations
                .iter()
                .enumerate()
                .map(|(i, m)| (m.display_path.as_str(), i))
                .collect(),
        }
    }

    /// Whether `m` is old.
    pub(crate) fn is_old(&self, m: &Migration) -> bool {
        match self.old {
            OldMigrations::DownsBeforeNewest => {
                m.kind == MigrationKind::Down && Some(m.version) != self.newest
            }
            OldMigrations::UpTo(last) => m.version <= last,
            OldMigrations::None => false,
        }
    }

    /// Splits the check's findings into errors and warnings: a problem in an old file is a
    /// warning. `warnings` (found as warnings) are merged in, every warning in apply order.
    pub(crate) fn sort(
        &self,
        found: Vec<Error>,
        mut warnings: Vec<Warning>,
    ) -> (Vec<Error>, Vec<Warning>) {
        let mut errors = Vec::new();
        for problem in found {
            let old = problem
                .file()
                .and_then(|file| self.by_file.get(file))
                .filter(|m| self.is_old(m));
            match old {
                Some(m) => warnings.push(Warning::InOldMigration {
                    problem,
                    version: m.version,
                    old: self.old,
                }),
                None => errors.push(problem),
            }
        }
        let place = |w: &Warning| w.file().and_then(|f| self.order.get(f).copied());
        warnings.sort_by_key(|w| place(w).unwrap_or(usize::MAX));
        (errors, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    use crate::{check, check::resolved, CheckOptions, Dialect};

    /// `check` of `files` with `old`: the errors, or the warnings, as messages.
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    fn judged(
        dialect: Dialect,
        old: OldMigrations,
        files: &[(&str, &str)],
    ) -> Result<Vec<String>, Vec<String>> {
        fn messages<T: ToString>(found: Vec<T>) -> Vec<String> {
            found.iter().map(ToString::to_string).collect()
        }
        let options = CheckOptions::new(dialect).with_old(old);
        check(&resolved(files), &options)
            .map(messages)
            .map_err(messages)
    }

    /// Years of downs nobody will run again: one forgets an index, one misses a `;`.
    #[cfg(feature = "check-sqlite")]
    const OLD_DOWNS: &[(&str, &str)] = &[
        (
            "1_a.up.sql",
            "CREATE TABLE a (id INT);\nCREATE INDEX a_id ON a (id);",
        ),
        ("1_a.down.sql", "DROP INDEX a_id;\n"),
        (
            "2_b.up.sql",
            "CREATE TABLE b (id INT);\nCREATE TABLE c (id INT);",
        ),
        ("2_b.down.sql", "DROP TABLE b\nDROP TABLE c"),
        ("3_d.up.sql", "CREATE TABLE d (id INT);"),
        ("3_d.down.sql", "DROP TABLE d;"),
    ];

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn by_default_the_downs_before_the_newest_are_old() {
        let warnings = judged(Dialect::Sqlite, OldMigrations::default(), OLD_DOWNS).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("migrations/1_a.down.sql: reverting `migrations/1_a.up.sql` does not restore the schema (left behind: table `a`)"),
            "{warnings:#?}"
        );
        assert!(
            warnings[0].ends_with(
                "\nnote: a warning, not an error: migration 1 is not the newest, and only the \
                 newest migration's down fails the build unless `old = <version>` says where \
                 old migrations end"
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings[1].starts_with("migrations/2_b.down.sql:2:1: sqlite cannot apply this statement: syntax error near `DROP`"),
            "{warnings:#?}"
        );
        let errors = judged(Dialect::Sqlite, OldMigrations::None, OLD_DOWNS).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn the_newest_down_and_every_up_are_judged_in_full_by_default() {
        let mut files = OLD_DOWNS.to_vec();
        files[5] = ("3_d.down.sql", "DROP TABLE dd;");
        let errors = judged(Dialect::Sqlite, OldMigrations::default(), &files).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/3_d.down.sql:1:12: "),
            "{errors:#?}"
        );
        files[0] = (
            "1_a.up.sql",
            "CREATE TABLE a (id INT);\nCREATE INDEX a_id ON a (nope);",
        );
        let errors = judged(Dialect::Sqlite, OldMigrations::default(), &files).unwrap_err();
        assert_eq!(errors.len(), 1, "the chain stops at a new up: {errors:#?}");
        assert!(
            errors[0].starts_with("migrations/1_a.up.sql:2:"),
            "{errors:#?}"
        );
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn an_old_up_that_fails_is_a_warning_and_the_chain_goes_on_past_it() {
        let files = [
            (
                "1_a.sql",
                "CREATE TABLE a (id INT);\nCREATE INDEX a_x ON a (x);\nCREATE TABLE b (id INT);",
            ),
            (
                "2_c.up.sql",
                "CREATE TABLE c (id INT);\nCREATE INDEX c_id ON c (id);",
            ),
            ("2_c.down.sql", "DROP INDEX c_id;"),
            ("3_d.sql", "INSERT INTO b (id) SELECT id FROM a;"),
        ];
        let warnings = judged(Dialect::Sqlite, OldMigrations::UpTo(2), &files).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(
            warnings[0].starts_with(
                "migrations/1_a.sql:2:24: sqlite cannot apply this statement: no such column `x`"
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings[0].ends_with(
                "\nnote: a warning, not an error: migration 1 is old, at or before `old = 2`"
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings[1].starts_with("migrations/2_c.down.sql: reverting"),
            "{warnings:#?}"
        );
        // With the line before it, migration 2 is new, its down too (the newest is 3).
        let errors = judged(Dialect::Sqlite, OldMigrations::UpTo(1), &files).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/2_c.down.sql: "),
            "{errors:#?}"
        );
        let errors = judged(Dialect::Sqlite, OldMigrations::UpTo(0), &files).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("migrations/1_a.sql:2:24: "),
            "{errors:#?}"
        );
    }

    #[cfg(feature = "check-postgres")]
    #[test]
    fn a_postgres_syntax_error_in_an_old_file_is_a_warning() {
        let files = [
            ("1_a.up.sql", "CREATE TABLE a (id INT);"),
            ("1_a.down.sql", "DROP TABLE a"),
            ("2_b.up.sql", "CREATE TABLE b (id INT,);"),
            ("2_b.down.sql", "DROP TABEL b;"),
        ];
        let errors = judged(Dialect::Postgres, OldMigrations::UpTo(1), &files).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let files = [
            files[0],
            ("1_a.down.sql", "DROP TABEL a;"),
            files[2],
            files[3],
        ];
        let errors = judged(Dialect::Postgres, OldMigrations::UpTo(1), &files).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let warnings = judged(Dialect::Postgres, OldMigrations::UpTo(2), &files).unwrap();
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("migrations/1_a.down.sql:1:"),
            "{warnings:#?}"
        );
        assert!(
            warnings[2].starts_with("migrations/2_b.down.sql:1:"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn reads_a_version_or_none() {
        assert_eq!(
            OldMigrations::from_arg("20240101"),
            Some(OldMigrations::UpTo(20240101))
        );
        assert_eq!(OldMigrations::from_arg(" none"), Some(OldMigrations::None));
        assert_eq!(OldMigrations::from_arg("yesterday"), None);
        assert_eq!(OldMigrations::default(), OldMigrations::DownsBeforeNewest);
    }
}
