//! The lint suite: each rule firing and not firing, on folders of real migration files.

use super::*;

/// Lints a folder holding `files` and returns each finding as `file:line:col rule`.
fn lint_files(dialect: Dialect, files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for (name, sql) in files {
        std::fs::write(migrations.join(name), sql).unwrap();
    }
    let set = crate::discover::resolve_dir(dir.path(), "migrations").unwrap();
    lint(&set, &LintOptions::new(dialect))
        .iter()
        .map(|f| {
            let file = f.at.file.trim_start_matches("migrations/");
            let (line, column) = (f.at.line.unwrap_or(0), f.at.column.unwrap_or(0));
            format!("{file}:{line}:{column} {}", f.rule)
        })
        .collect()
}

/// The tables most SQLite cases start from: `users` is referenced by `posts`, and both hold rows
/// in production.
const SQLITE_BASE: (&str, &str) = (
    "1_base.sql",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n\
     CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, body TEXT);\n",
);

/// One SQLite case: the second file's SQL and the findings expected in it.
const SQLITE_CASES: &[(&str, &str, &[&str])] = &[
    ("add column not null without default fires",
        "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;",
        &["2_x.sql:1:19 add-column-not-null-without-default"]),
    ("add column not null with a constant default is fine",
        "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFAULT 0;\nALTER TABLE users ADD COLUMN score REAL NOT NULL DEFAULT -1.5;\nALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT ('member');",
        &[]),
    ("add column not null with default null fires",
        "ALTER TABLE users ADD age INTEGER NOT NULL DEFAULT NULL;",
        &["2_x.sql:1:19 add-column-not-null-without-default"]),
    ("add column nullable is fine",
        "ALTER TABLE users ADD COLUMN bio TEXT;",
        &[]),
    ("add column to a table the file creates is fine",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nALTER TABLE tags ADD COLUMN name TEXT NOT NULL;\nALTER TABLE tags ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP;",
        &[]),
    ("add column to a table the file empties first is fine",
        "DELETE FROM users;\nALTER TABLE users ADD COLUMN age INTEGER NOT NULL;",
        &[]),
    ("add column with current_timestamp default fires",
        "ALTER TABLE users ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP;",
        &["2_x.sql:1:19 add-column-non-constant-default"]),
    ("add column with an expression default fires",
        "ALTER TABLE users ADD COLUMN created_at TEXT NOT NULL DEFAULT (strftime('%s', 'now'));",
        &["2_x.sql:1:19 add-column-non-constant-default"]),
    ("add column unique fires",
        "ALTER TABLE users ADD COLUMN handle TEXT UNIQUE;",
        &["2_x.sql:1:19 add-column-primary-key-or-unique"]),
    ("add column primary key fires",
        "ALTER TABLE posts ADD COLUMN uid INTEGER PRIMARY KEY;",
        &["2_x.sql:1:19 add-column-primary-key-or-unique"]),
    ("add column with a check mentioning not null is fine",
        "ALTER TABLE users ADD COLUMN age INTEGER CHECK (age IS NOT NULL OR name IS NULL);",
        &[]),
    ("add stored generated column fires",
        "ALTER TABLE users ADD COLUMN lower_email TEXT GENERATED ALWAYS AS (lower(email)) STORED;",
        &["2_x.sql:1:19 add-column-stored-generated"]),
    ("add virtual generated column is fine",
        "ALTER TABLE users ADD COLUMN lower_email TEXT AS (lower(email)) NOT NULL;",
        &[]),
    ("add column references with a default fires",
        "ALTER TABLE posts ADD COLUMN editor_id INTEGER DEFAULT 1 REFERENCES users (id);",
        &["2_x.sql:1:19 add-column-references-with-default"]),
    ("add column references without a default is fine",
        "ALTER TABLE posts ADD COLUMN editor_id INTEGER REFERENCES users (id);",
        &[]),
    ("drop column fires",
        "ALTER TABLE users DROP COLUMN name;",
        &["2_x.sql:1:19 drop-column"]),
    ("drop table fires",
        "DROP TABLE IF EXISTS posts;",
        &["2_x.sql:1:1 drop-table"]),
    ("drop of a table the file creates is fine",
        "CREATE TABLE scratch (id INTEGER);\nINSERT INTO scratch SELECT id FROM users;\nDROP TABLE scratch;",
        &[]),
    ("rename column fires",
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
        &["2_x.sql:1:19 rename-column"]),
    ("renames and drops in a table the file creates are fine",
        "CREATE TABLE drafts (id INTEGER PRIMARY KEY, title TEXT, body TEXT);\nALTER TABLE drafts RENAME COLUMN title TO heading;\nALTER TABLE drafts DROP COLUMN body;\nALTER TABLE drafts RENAME TO notes;",
        &[]),
    ("rename table fires",
        "ALTER TABLE posts RENAME TO articles;",
        &["2_x.sql:1:19 rename-table"]),
    ("rebuild of a referenced table in a transaction fires",
        "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nINSERT INTO users_new SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;",
        &["2_x.sql:3:1 rebuild-with-foreign-keys-on"]),
    ("rebuild of a referenced table with the pragma in a transaction still fires",
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nINSERT INTO users_new SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;\nPRAGMA foreign_keys = ON;",
        &["2_x.sql:4:1 rebuild-with-foreign-keys-on"]),
    ("rebuild of a referenced table with foreign keys off outside a transaction is fine",
        "-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nINSERT INTO users_new SELECT id, email FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;\nPRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;",
        &[]),
    ("rebuild of a table nothing references is fine",
        "CREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), body TEXT);\nINSERT INTO posts_new SELECT * FROM posts;\nDROP TABLE posts;\nALTER TABLE posts_new RENAME TO posts;",
        &[]),
    ("rebuild that adds not null fires",
        "CREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL);\nINSERT INTO posts_new SELECT * FROM posts;\nDROP TABLE posts;\nALTER TABLE posts_new RENAME TO posts;",
        &["2_x.sql:1:75 rebuild-adds-not-null"]),
    ("rebuild that adds not null after filling the column is fine",
        "UPDATE posts SET body = '' WHERE body IS NULL;\nCREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL);\nINSERT INTO posts_new SELECT * FROM posts;\nDROP TABLE posts;\nALTER TABLE posts_new RENAME TO posts;",
        &[]),
    ("rebuild that adds not null copying with coalesce is fine",
        "CREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL);\nINSERT INTO posts_new SELECT id, user_id, coalesce(body, '') FROM posts;\nDROP TABLE posts;\nALTER TABLE posts_new RENAME TO posts;",
        &[]),
    ("index on an existing table is a note",
        "CREATE INDEX posts_user ON posts (user_id);",
        &["2_x.sql:1:1 index-on-existing-table"]),
    ("index on a table the file creates is fine",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\nCREATE UNIQUE INDEX IF NOT EXISTS tags_name ON tags (name);",
        &[]),
    ("names are compared unquoted and without case",
        "CREATE TABLE \"Tags\" (id INTEGER);\nALTER TABLE [tags] ADD COLUMN name TEXT NOT NULL;\nALTER TABLE main.Users DROP COLUMN name;",
        &["2_x.sql:3:24 drop-column"]),
    ("a file allows rules with its directive",
        "-- schema: allow(drop-column, drop-table)\nALTER TABLE users DROP COLUMN name;\nDROP TABLE posts;",
        &[]),
    ("an allowed name that is no rule is a finding",
        "-- schema: allow(drop-colum)\nALTER TABLE users DROP COLUMN name;",
        &["2_x.sql:1:18 unknown-lint-rule", "2_x.sql:2:19 drop-column"]),
    ("words in comments and strings are not statements",
        "-- ALTER TABLE users DROP COLUMN name;\nINSERT INTO users (email) VALUES ('DROP TABLE posts;');",
        &[]),
];

#[test]
fn sqlite_rules_fire_and_stay_silent_as_expected() {
    assert!(SQLITE_CASES.len() >= 25);
    let mut failures = Vec::new();
    for (name, sql, expected) in SQLITE_CASES {
        let found = lint_files(Dialect::Sqlite, &[SQLITE_BASE, ("2_x.sql", sql)]);
        if found != *expected {
            failures.push(format!("{name}: expected {expected:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sqlite_downs_are_not_linted_and_every_rule_is_in_the_catalogue() {
    let found = lint_files(
        Dialect::Sqlite,
        &[
            SQLITE_BASE,
            ("2_x.up.sql", "ALTER TABLE users ADD COLUMN bio TEXT;"),
            ("2_x.down.sql", "ALTER TABLE users DROP COLUMN bio;"),
        ],
    );
    assert_eq!(found, Vec::<String>::new());
    for (_, _, expected) in SQLITE_CASES {
        for finding in *expected {
            let rule = finding.rsplit(' ').next().unwrap();
            assert!(lint_rule(Dialect::Sqlite, rule).is_some(), "{rule}");
        }
    }
}

#[test]
fn scopes_choose_the_files_reported_on_but_every_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join(SQLITE_BASE.0), SQLITE_BASE.1).unwrap();
    std::fs::write(
        migrations.join("2_a.sql"),
        "CREATE INDEX a ON users (email);",
    )
    .unwrap();
    std::fs::write(
        migrations.join("3_b.sql"),
        "ALTER TABLE users ADD COLUMN c TEXT NOT NULL;",
    )
    .unwrap();
    let set = crate::discover::resolve_dir(dir.path(), "migrations").unwrap();
    let versions = |scope: LintScope| -> Vec<i64> {
        let options = LintOptions::new(Dialect::Sqlite).with_scope(scope);
        lint(&set, &options).iter().map(|f| f.version).collect()
    };
    assert_eq!(versions(LintScope::All), [2, 3]);
    assert_eq!(versions(LintScope::Newest), [3]);
    assert_eq!(versions(LintScope::After(2)), [3]);
    assert_eq!(
        versions(LintScope::Files(vec![migrations.join("2_a.sql")])),
        [2]
    );
    // The project's allow list.
    let options = LintOptions::new(Dialect::Sqlite)
        .with_allow(vec!["add-column-not-null-without-default".into()]);
    let rules: Vec<&str> = lint(&set, &options).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["index-on-existing-table"]);
}

#[test]
fn a_finding_shows_its_location_level_rule_message_and_alternative() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join(SQLITE_BASE.0), SQLITE_BASE.1).unwrap();
    std::fs::write(
        migrations.join("2_x.sql"),
        "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n",
    )
    .unwrap();
    let set = crate::discover::resolve_dir(dir.path(), "migrations").unwrap();
    let findings = lint(&set, &LintOptions::new(Dialect::Sqlite));
    assert_eq!(
        findings[0].to_string(),
        "migrations/2_x.sql:1:19: error add-column-not-null-without-default: adds column `age` \
         to table `users` as `NOT NULL` without a default\n  help: give the column a constant \
         default (`NOT NULL DEFAULT 0`), or add it nullable and fill it"
    );
    assert_eq!(
        findings[0].snippet,
        "  |\n1 | ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n  |                   ^"
    );
}

#[test]
fn unknown_rules_are_named() {
    assert_eq!(
        unknown_lint_rules(["drop-column", "ban-drop-column", "nope"]),
        ["nope"]
    );
}

/// One PostgreSQL case: a file's SQL and the findings expected in it. `-- no-transaction`
/// files say so in their first line.
#[cfg(feature = "check-postgres")]
const POSTGRES_CASES: &[(&str, &str, &[&str])] = &[
    ("index without concurrently on an existing table fires",
        "CREATE INDEX users_email ON users (email);",
        &["2_x.sql:1:1 require-concurrent-index-creation"]),
    ("index concurrently outside a transaction is fine",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);",
        &[]),
    ("index concurrently inside an explicit transaction fires",
        "-- no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\nCOMMIT;",
        &["2_x.sql:3:14 ban-concurrent-index-creation-in-transaction"]),
    ("index on a table the file creates is fine",
        "CREATE TABLE tags (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text);\nCREATE INDEX tags_name ON tags (name);",
        &[]),
    ("drop index without concurrently fires",
        "DROP INDEX users_email;",
        &["2_x.sql:1:1 require-concurrent-index-deletion"]),
    ("required column fires",
        "ALTER TABLE users ADD COLUMN age bigint NOT NULL;",
        &["2_x.sql:1:19 adding-required-field"]),
    ("required column on a table the file empties is fine",
        "DELETE FROM users;\nALTER TABLE users ADD COLUMN age bigint NOT NULL;",
        &[]),
    ("column with a constant default is fine",
        "ALTER TABLE users ADD COLUMN age bigint NOT NULL DEFAULT 0;",
        &[]),
    ("column with a volatile default fires",
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        &["2_x.sql:1:49 adding-field-with-default"]),
    ("drop column fires",
        "ALTER TABLE users DROP COLUMN name;",
        &["2_x.sql:1:19 ban-drop-column"]),
    ("drop table fires",
        "DROP TABLE users;",
        &["2_x.sql:1:1 ban-drop-table"]),
    ("drop and create of a view is a replacement",
        "DROP VIEW IF EXISTS active_users;\nCREATE VIEW active_users AS SELECT id FROM users;",
        &[]),
    ("drop of a view fires",
        "DROP VIEW active_users;",
        &["2_x.sql:1:1 ban-drop-view"]),
    ("rename column fires",
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
        &["2_x.sql:1:19 renaming-column"]),
    ("rename table fires",
        "ALTER TABLE users RENAME TO people;",
        &["2_x.sql:1:19 renaming-table"]),
    ("changing a column type fires",
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(80);",
        &["2_x.sql:1:37 changing-column-type", "2_x.sql:1:42 prefer-text-field"]),
    ("set not null fires",
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
        &["2_x.sql:1:37 adding-not-nullable-field"]),
    ("foreign key without not valid fires",
        "ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id);",
        &["2_x.sql:1:19 constraint-missing-not-valid", "2_x.sql:1:23 adding-foreign-key-constraint"]),
    ("foreign key not valid is fine",
        "ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
        &[]),
    ("check constraint without not valid fires",
        "ALTER TABLE users ADD CONSTRAINT name_length CHECK (length(name) < 100);",
        &["2_x.sql:1:19 constraint-missing-not-valid"]),
    ("unique constraint fires",
        "ALTER TABLE users ADD CONSTRAINT users_name UNIQUE (name);",
        &["2_x.sql:1:19 constraint-missing-not-valid", "2_x.sql:1:23 disallowed-unique-constraint"]),
    ("unique constraint using an index is fine",
        "ALTER TABLE users ADD CONSTRAINT users_name UNIQUE USING INDEX users_name_idx;",
        &[]),
    ("int and timestamp and varchar in a new table fire",
        "CREATE TABLE events (id int PRIMARY KEY, at timestamp, name varchar(20));",
        &["2_x.sql:1:25 prefer-bigint-over-int", "2_x.sql:1:45 prefer-timestamp-tz", "2_x.sql:1:61 prefer-text-field"]),
    ("bigint timestamptz and text in a new table are fine",
        "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz, name text);",
        &[]),
    ("serial fires",
        "CREATE TABLE events (id bigserial PRIMARY KEY);",
        &["2_x.sql:1:25 prefer-identity"]),
    ("truncate cascade fires",
        "TRUNCATE users CASCADE;",
        &["2_x.sql:1:16 ban-truncate-cascade"]),
    ("truncate by name is fine",
        "TRUNCATE users;",
        &[]),
    ("a no-transaction file without if not exists fires",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);",
        &["2_x.sql:2:1 prefer-robust-stmts"]),
    ("a file allows rules with its directive",
        "-- schema: allow(ban-drop-column, renaming-table)\nALTER TABLE users DROP COLUMN name;\nALTER TABLE users RENAME TO people;",
        &[]),
    ("a squawk-ignore comment allows too",
        "-- squawk-ignore ban-drop-column\nALTER TABLE users DROP COLUMN name;",
        &[]),
    ("an allowed name of the other database is a finding",
        "-- schema: allow(drop-column)\nALTER TABLE users DROP COLUMN name;",
        &["2_x.sql:1:18 unknown-lint-rule", "2_x.sql:2:19 ban-drop-column"]),
    ("a file that does not parse is left to the check",
        "ALTER TABLE users DROP COLUMN name,;",
        &[]),
];

#[cfg(feature = "check-postgres")]
#[test]
fn postgres_rules_fire_and_stay_silent_as_expected() {
    assert!(POSTGRES_CASES.len() >= 25);
    let base = (
        "1_base.sql",
        "CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL, name text);\n\
         CREATE TABLE posts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), body text);\n",
    );
    let mut failures = Vec::new();
    for (name, sql, expected) in POSTGRES_CASES {
        let found = lint_files(Dialect::Postgres, &[base, ("2_x.sql", sql)]);
        if found != *expected {
            failures.push(format!("{name}: expected {expected:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[cfg(feature = "check-postgres")]
#[test]
fn every_postgres_rule_is_one_of_squawk() {
    for rule in lint_rules().filter(|r| r.dialect == Dialect::Postgres) {
        assert!(
            rule.id.parse::<squawk_linter::Rule>().is_ok(),
            "{}",
            rule.id
        );
    }
}

#[test]
fn docs_list_every_rule() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/lints.md")).unwrap();
    for rule in lint_rules() {
        let row = format!("| `{}` | {} |", rule.id, rule.level);
        assert!(
            docs.contains(&row),
            "docs/lints.md lacks the row of `{}`",
            rule.id
        );
        assert!(
            docs.contains(rule.reason),
            "docs/lints.md lacks the reason of `{}`",
            rule.id
        );
        assert!(
            docs.contains(rule.alternative),
            "docs/lints.md lacks the alternative of `{}`",
            rule.id
        );
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// A folder of one base file and `sql`, linted as `dialect` when it resolves.
    fn lint_one(dialect: Dialect, sql: &str) {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).unwrap();
        std::fs::write(migrations.join(SQLITE_BASE.0), SQLITE_BASE.1).unwrap();
        std::fs::write(migrations.join("2_x.sql"), sql).unwrap();
        if let Ok(set) = crate::discover::resolve_dir(dir.path(), "migrations") {
            let _ = lint(&set, &LintOptions::new(dialect));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn on_statement_shaped_input(sql in "((CREATE|ALTER|DROP|TABLE|INDEX|ADD|COLUMN|RENAME|TO|ON|PRAGMA|foreign_keys|=|OFF|INSERT|INTO|UPDATE|SET|DELETE|FROM|DEFAULT|NOT|NULL|PRIMARY|KEY|UNIQUE|REFERENCES|AS|STORED|users|posts|x|\\(|\\)|,|\\.|;|'a'|1|-) ){0,24}") {
            lint_one(Dialect::Sqlite, &sql);
            #[cfg(feature = "check-postgres")]
            lint_one(Dialect::Postgres, &sql);
        }

        #[test]
        fn on_any_text(sql in "\\PC{0,120}") {
            lint_one(Dialect::Sqlite, &sql);
        }
    }
}
