//! Prefix confinement: a set declared with `prefix = "calendar_"` may create, change, drop,
//! rename and write only objects whose names start with it. Each dialect's checker finds what
//! a statement does to which object; the rule and the message are here, written once.

use crate::check::snippet;
use crate::diagnostic::{line_column, Location};
use crate::error::Error;
use crate::migration::Migration;

/// The tracking tables the runtime keeps for every set: writing them is the runtime's job, and
/// no set names them with its own prefix.
const TRACKING_TABLES: &[&str] = &["_schema_migrations", "_schema_history", "_schema_modules"];

/// A statement of a set confined to a prefix that creates, changes, drops, renames or writes an
/// object outside it ([`Error::OutsidePrefix`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: this statement {what}, but the set is confined to the prefix `{prefix}`: it may create, change, drop and write only objects whose names start with `{prefix}` (reading any table is allowed, and so is an index or trigger named with the prefix on another set's table); {fix}, or remove the `prefix` option\n{snippet}")]
#[non_exhaustive]
pub struct PrefixViolation {
    /// Where the object's name is in the statement (or the statement, when it is not named).
    pub at: Location,
    /// What the statement does, to what: ``creates table `events` ``, ``writes to table
    /// `users` ``.
    pub what: String,
    /// The prefix the set is confined to.
    pub prefix: String,
    /// How to bring the statement inside the prefix.
    pub fix: String,
    /// The offending line with a caret under the location.
    pub snippet: String,
}

/// What a statement does to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Creates,
    Alters,
    Drops,
    /// Renames an object to the name given.
    RenamesTo,
    WritesTo,
}

/// The prefix a set is confined to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prefix<'a> {
    prefix: &'a str,
}

impl<'a> Prefix<'a> {
    pub(crate) fn new(prefix: &'a str) -> Self {
        Prefix { prefix }
    }

    /// Whether the set may create, change or write the object called `name` (its last part,
    /// unquoted). Names are compared without regard to ASCII case: SQLite's names, and
    /// PostgreSQL's unquoted ones, ignore it.
    pub(crate) fn allows(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        TRACKING_TABLES.contains(&lower.as_str())
            || lower.starts_with(&self.prefix.to_ascii_lowercase())
    }

    /// The error for statement text at byte `offset` of `m`'s SQL, which does `action` to the
    /// `kind` called `name` (outside the prefix).
    pub(crate) fn violation(
        &self,
        m: &Migration,
        offset: usize,
        action: Action,
        kind: &str,
        name: &str,
    ) -> Error {
        let what = match action {
            Action::Creates => format!("creates {kind} `{name}`"),
            Action::Alters => format!("alters {kind} `{name}`"),
            Action::Drops => format!("drops {kind} `{name}`"),
            Action::RenamesTo => format!("renames a {kind} to `{name}`"),
            Action::WritesTo => format!("writes to {kind} `{name}`"),
        };
        let prefix = self.prefix;
        let fix = match action {
            Action::Creates | Action::RenamesTo => {
                format!("name the {kind} `{prefix}{name}` (and every use of it)")
            }
            Action::Alters | Action::Drops | Action::WritesTo => self.not_ours(name),
        };
        self.error(m, offset, what, fix)
    }

    /// The error for a `CREATE TRIGGER` at byte `offset` of `m`'s SQL whose body writes
    /// `table` (outside the prefix).
    pub(crate) fn trigger_violation(
        &self,
        m: &Migration,
        offset: usize,
        trigger: &str,
        table: &str,
    ) -> Error {
        let what = format!("creates trigger `{trigger}`, whose body writes to table `{table}`");
        self.error(m, offset, what, self.not_ours(table))
    }

    /// The fix for changing an object outside the prefix.
    fn not_ours(&self, name: &str) -> String {
        let prefix = self.prefix;
        format!(
            "if `{name}` belongs to this set, name it `{prefix}{name}` where it is created; if it belongs to another set, change it in that set's migrations"
        )
    }

    fn error(&self, m: &Migration, offset: usize, what: String, fix: String) -> Error {
        let prefix = self.prefix;
        let (line, column) = line_column(&m.sql, offset);
        Error::OutsidePrefix {
            violation: Box::new(PrefixViolation {
                at: Location::at(m.display_path.clone(), line, column),
                what,
                prefix: prefix.to_owned(),
                fix,
                snippet: snippet(&m.sql, line, column),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    use crate::{check, check::resolved, CheckOptions, Dialect};

    /// The core a plugin builds on.
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    const CORE: &[(&str, &str)] = &[
        (
            "1_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);",
        ),
        (
            "2_conversations.sql",
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);",
        ),
    ];

    /// `check` of the plugin `files`, confined to `calendar_`, after [`CORE`]: the errors as
    /// messages (empty when it passes).
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    fn confined(dialect: Dialect, files: &[(&str, &str)]) -> Vec<String> {
        let options = CheckOptions::new(dialect)
            .with_old(crate::OldMigrations::None)
            .with_prefix("calendar_")
            .with_after(vec![resolved(CORE)]);
        match check(&resolved(files), &options) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// A plugin that builds on the core and stays inside its prefix.
    #[cfg(any(feature = "check-sqlite", feature = "check-postgres"))]
    const PLUGIN: &[(&str, &str)] = &[
        (
            "1_events.up.sql",
            "CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT);\n\
             CREATE INDEX calendar_conversations_title ON conversations (title);\n\
             CREATE VIEW calendar_agenda AS SELECT e.title, u.email FROM calendar_events e JOIN users u ON u.id = e.user_id;\n\
             INSERT INTO calendar_events (user_id, title) SELECT id, 'welcome' FROM users;\n\
             UPDATE calendar_events SET title = 'hi' WHERE user_id IN (SELECT id FROM users);",
        ),
        (
            "1_events.down.sql",
            "DROP VIEW calendar_agenda;\nDROP INDEX calendar_conversations_title;\nDROP TABLE calendar_events;",
        ),
        (
            "2_rename.sql",
            "ALTER TABLE calendar_events ADD COLUMN starts_at TEXT;\n\
             ALTER TABLE calendar_events RENAME TO calendar_items;\n\
             DELETE FROM calendar_items WHERE title IS NULL;\n\
             INSERT INTO _schema_history (id) VALUES (1);",
        ),
    ];

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn a_plugin_inside_its_prefix_builds_on_the_core_on_sqlite() {
        let mut files = PLUGIN.to_vec();
        // The tracking table, as the runtime makes it, so that SQLite compiles the insert.
        files.insert(
            0,
            (
                "0_tracking.sql",
                "CREATE TABLE IF NOT EXISTS _schema_history (id INT);",
            ),
        );
        assert_eq!(confined(Dialect::Sqlite, &files), Vec::<String>::new());
        // A trigger named with the prefix on a core table, whose body writes the plugin's.
        let files = [
            ("1_events.sql", "CREATE TABLE calendar_events (id INT, user_id INT);"),
            (
                "2_trigger.sql",
                "CREATE TRIGGER calendar_user_gone AFTER DELETE ON users BEGIN\n  DELETE FROM calendar_events WHERE user_id = old.id;\nEND;",
            ),
        ];
        assert_eq!(confined(Dialect::Sqlite, &files), Vec::<String>::new());
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn without_after_the_core_tables_are_missing_on_sqlite() {
        let options = CheckOptions::new(Dialect::Sqlite).with_prefix("calendar_");
        let errors = check(&resolved(PLUGIN), &options).unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .contains("no such table `main.conversations`"),
            "{errors:#?}"
        );
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn reports_each_kind_of_statement_outside_the_prefix_on_sqlite() {
        let errors = confined(
            Dialect::Sqlite,
            &[
                (
                    "1_a.sql",
                    "CREATE TABLE calendar_events (id INT, user_id INT);\n\
                     CREATE TABLE events (id INT);\n\
                     CREATE INDEX users_email ON users (email);\n\
                     CREATE VIEW agenda AS SELECT * FROM users;\n\
                     CREATE TRIGGER log_user AFTER INSERT ON users BEGIN SELECT 1; END;\n\
                     ALTER TABLE users ADD COLUMN calendar_color TEXT;\n\
                     INSERT INTO users (email) VALUES ('a');\n\
                     UPDATE conversations SET title = 'x';\n\
                     DELETE FROM main.users;\n\
                     REPLACE INTO users (id, email) VALUES (1, 'b');\n\
                     ALTER TABLE calendar_events RENAME TO agenda_items;\n\
                     DROP TABLE conversations;",
                ),
                (
                    "2_b.sql",
                    "CREATE TEMP TABLE scratch (id INT);\nINSERT INTO scratch VALUES (1);\nDROP TABLE scratch;\n\
                     CREATE TRIGGER calendar_on_user AFTER INSERT ON users BEGIN\n  UPDATE users SET email = lower(email);\nEND;",
                ),
            ],
        );
        let expected = [
            "migrations/1_a.sql:2:14: this statement creates table `events`, but the set is confined to the prefix `calendar_`",
            "migrations/1_a.sql:3:14: this statement creates index `users_email`",
            "migrations/1_a.sql:4:13: this statement creates view `agenda`",
            "migrations/1_a.sql:5:16: this statement creates trigger `log_user`",
            "migrations/1_a.sql:6:13: this statement alters table `users`",
            "migrations/1_a.sql:7:13: this statement writes to table `users`",
            "migrations/1_a.sql:8:8: this statement writes to table `conversations`",
            "migrations/1_a.sql:9:18: this statement writes to table `users`",
            "migrations/1_a.sql:10:14: this statement writes to table `users`",
            "migrations/1_a.sql:11:39: this statement renames a table to `agenda_items`",
            "migrations/1_a.sql:12:12: this statement drops table `conversations`",
            "migrations/2_b.sql:5:10: this statement creates trigger `calendar_on_user`, whose body writes to table `users`",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (error, expected) in errors.iter().zip(expected) {
            assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
        }
        assert!(
            errors[0].contains("; name the table `calendar_events` (and every use of it), or remove the `prefix` option\n"),
            "{}",
            errors[0]
        );
        assert!(
            errors[5].contains("; if `users` belongs to this set, name it `calendar_users` where it is created; if it belongs to another set, change it in that set's migrations, or remove the `prefix` option\n"),
            "{}",
            errors[5]
        );
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn a_down_outside_the_prefix_is_reported_and_an_old_one_is_a_warning_on_sqlite() {
        let files = [
            ("1_a.up.sql", "CREATE TABLE calendar_a (id INT);"),
            ("1_a.down.sql", "DROP TABLE calendar_a;\nDELETE FROM users;"),
            ("2_b.up.sql", "CREATE TABLE calendar_b (id INT);"),
            ("2_b.down.sql", "DROP TABLE calendar_b;"),
            (
                "3_c.sql",
                "-- schema: no-check\nINSERT INTO users (email) VALUES ('x');",
            ),
        ];
        let errors = confined(Dialect::Sqlite, &files);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with(
                "migrations/1_a.down.sql:2:13: this statement writes to table `users`"
            ),
            "{errors:#?}"
        );
        let options = CheckOptions::new(Dialect::Sqlite)
            .with_prefix("calendar_")
            .with_after(vec![resolved(CORE)]);
        let warnings = check(&resolved(&files), &options).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0]
                .to_string()
                .starts_with("migrations/1_a.down.sql:2:13: "),
            "{warnings:#?}"
        );
    }

    #[cfg(feature = "check-sqlite")]
    #[test]
    fn the_bases_apply_in_order_and_their_own_problems_are_not_reported_on_sqlite() {
        let tags = [
            (
                "1_tags.sql",
                "CREATE TABLE tags (id INT, user_id INT REFERENCES users (id));",
            ),
            (
                "2_broken.sql",
                "CREATE INDEX tags_x ON tags (nope);\nCREATE TABLE labels (id INT);",
            ),
        ];
        let plugin = [(
            "1_a.sql",
            "CREATE TABLE calendar_a (tag INT REFERENCES tags (id), label INT REFERENCES labels (id));\n\
             CREATE INDEX calendar_labels_id ON labels (id);",
        )];
        let options = CheckOptions::new(Dialect::Sqlite)
            .with_prefix("calendar_")
            .with_after(vec![resolved(CORE), resolved(&tags)]);
        assert_eq!(check(&resolved(&plugin), &options), Ok(Vec::new()));
        // In the other order, `tags` refers to a `users` not there yet: a base's failures are
        // skipped quietly, as the base's own build reports them.
        let options = CheckOptions::new(Dialect::Sqlite).with_after(vec![resolved(&tags)]);
        assert_eq!(check(&resolved(&plugin), &options), Ok(Vec::new()));
    }

    #[test]
    fn allows_the_prefix_in_any_case_and_the_tracking_tables() {
        let prefix = Prefix::new("calendar_");
        assert!(prefix.allows("calendar_events"));
        assert!(prefix.allows("Calendar_Events"));
        assert!(prefix.allows("_schema_migrations"));
        assert!(prefix.allows("_SCHEMA_HISTORY"));
        assert!(!prefix.allows("events"));
        assert!(!prefix.allows("calendar"));
        assert!(!prefix.allows("xcalendar_events"));
    }

    #[cfg(feature = "check-postgres")]
    #[test]
    fn a_plugin_inside_its_prefix_passes_on_postgres() {
        let files = [
            (
                "1_events.sql",
                "CREATE SCHEMA IF NOT EXISTS calendar_data;\n\
                 CREATE TYPE calendar_kind AS ENUM ('meeting', 'task');\n\
                 CREATE SEQUENCE public.calendar_seq;\n\
                 CREATE TABLE public.calendar_events (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), kind calendar_kind);\n\
                 CREATE INDEX calendar_conversations_title ON conversations (title);\n\
                 CREATE INDEX ON calendar_events (user_id);\n\
                 CREATE VIEW calendar_agenda AS SELECT e.id, u.email FROM calendar_events e JOIN users u ON u.id = e.user_id;\n\
                 CREATE FUNCTION calendar_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
                 CREATE TRIGGER calendar_touch AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION calendar_touch();\n\
                 CREATE TEMP TABLE scratch (id int);\n\
                 INSERT INTO scratch SELECT id FROM users;\n\
                 WITH moved AS (DELETE FROM calendar_events RETURNING id) INSERT INTO calendar_events SELECT * FROM moved;\n\
                 ALTER TABLE \"calendar_events\" RENAME TO calendar_items;\n\
                 COPY users TO stdout;\n\
                 -- DROP TABLE users;\n\
                 SELECT 'DELETE FROM users';",
            ),
        ];
        assert_eq!(confined(Dialect::Postgres, &files), Vec::<String>::new());
    }

    #[cfg(feature = "check-postgres")]
    #[test]
    fn reports_each_kind_of_statement_outside_the_prefix_on_postgres() {
        let errors = confined(
            Dialect::Postgres,
            &[(
                "1_a.sql",
                "CREATE TABLE public.events (id int);\n\
                 CREATE INDEX ON users (email);\n\
                 CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                 CREATE TYPE mood AS ENUM ('a');\n\
                 CREATE SEQUENCE counter;\n\
                 CREATE SCHEMA calendar;\n\
                 ALTER TABLE users ADD COLUMN color text;\n\
                 ALTER TABLE calendar_a RENAME TO agenda;\n\
                 WITH d AS (DELETE FROM users RETURNING id) SELECT * FROM d;\n\
                 TRUNCATE calendar_a, conversations;\n\
                 COPY users FROM stdin;\n\
                 DROP FUNCTION legacy(int);\n\
                 UPDATE \"Users\" SET x = 1;",
            )],
        );
        let expected = [
            "migrations/1_a.sql:1:21: this statement creates table `events`",
            "migrations/1_a.sql:2:17: this statement creates index `users_…_idx`",
            "migrations/1_a.sql:3:17: this statement creates function `touch`",
            "migrations/1_a.sql:4:13: this statement creates type `mood`",
            "migrations/1_a.sql:5:17: this statement creates sequence `counter`",
            "migrations/1_a.sql:6:15: this statement creates schema `calendar`",
            "migrations/1_a.sql:7:13: this statement alters table `users`",
            "migrations/1_a.sql:8:34: this statement renames a table to `agenda`",
            "migrations/1_a.sql:9:24: this statement writes to table `users`",
            "migrations/1_a.sql:10:22: this statement writes to table `conversations`",
            "migrations/1_a.sql:11:6: this statement writes to table `users`",
            "migrations/1_a.sql:12:15: this statement drops function `legacy`",
            "migrations/1_a.sql:13:8: this statement writes to table `Users`",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (error, expected) in errors.iter().zip(expected) {
            assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
        }
    }
}
