use super::*;
use crate::discover::resolve_dir;
use std::fs;

#[test]
fn accepts_a_chain_whose_later_files_use_what_earlier_ones_create() {
    let errors = check_files(&[
        (
            "1_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);",
        ),
        (
            "2_posts.up.sql",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INT REFERENCES users (id));\n\
             CREATE INDEX posts_user_idx ON posts (user_id);\n\
             INSERT INTO posts (id, user_id) VALUES (1, 42);",
        ),
        ("2_posts.down.sql", "DROP TABLE posts;"),
        (
            "3_view.sql",
            "CREATE VIEW v AS SELECT u.email FROM users u JOIN posts p ON p.user_id = u.id;",
        ),
    ]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn rejects_a_missing_table_with_its_line_column_and_snippet() {
    let errors = check_files(&[
        (
            "1_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "2_seed.sql",
            "-- seed\nINSERT INTO users (id) VALUES (1);\nINSERT INTO user (id) VALUES (2);\n",
        ),
    ]);
    assert_eq!(
        errors,
        ["migrations/2_seed.sql:3:13: sqlite cannot apply this statement: no such table `user`; \
          create it in an earlier statement or migration, or fix the name, or opt the file out \
          with `-- schema: no-check`\n  |\n3 | INSERT INTO user (id) VALUES (2);\n  |             ^"]
    );
}

#[test]
fn stops_the_chain_at_the_first_failure() {
    let errors = check_files(&[
        (
            "1_a.sql",
            "CREATE TABLE a (id INT);\nCREATE INDEX a_idx ON a (nope);",
        ),
        ("2_b.sql", "INSERT INTO a (id) VALUES (1);"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.sql:2:"),
        "{errors:#?}"
    );
    assert!(errors[0].contains("no such column `nope`"), "{errors:#?}");
}

#[test]
fn a_failed_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1_a.sql");
    fs::write(&path, "CREATE TABLE a (id INT);\nSELECT * FROM nope;").unwrap();
    let set = resolve_dir(dir.path(), ".").unwrap();
    let db = Connection::open_in_memory().unwrap();
    assert!(apply(&db, &set.migrations[0], false, None).is_err());
    let objects: i64 = db
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .unwrap();
    assert_eq!(objects, 0);
    assert!(db.is_autocommit());
}

#[test]
fn hints_at_the_postgres_dialect_for_postgres_syntax() {
    let errors = check_files(&[("1_ext.sql", "CREATE EXTENSION IF NOT EXISTS pgcrypto;")]);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("syntax error near `EXTENSION`"),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains("`dialect = \"postgres\"`"),
        "{errors:#?}"
    );
    let errors = check_files(&[("1_a.sql", "CREATE TABLE a (id INT,);")]);
    assert!(!errors[0].contains("dialect"), "{errors:#?}");
}

#[test]
fn reports_transaction_statements_in_a_transactional_file() {
    // A statement that ends the transaction is refused before the check, when the folder
    // is read (`discover`); a `BEGIN` is SQLite's to refuse.
    let errors = check_files(&[("1_a.sql", "CREATE TABLE a (id INT);\nBEGIN;")]);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("migrations/1_a.sql:2:1:"),
        "{errors:#?}"
    );
    assert!(errors[0].contains("`-- no-transaction`"), "{errors:#?}");
    let errors = check_files(&[(
        "1_a.sql",
        "-- no-transaction\nBEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;\nVACUUM;",
    )]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn reports_what_sqlite_does_not_do_inside_a_transaction() {
    for (sql, reason) in [
        ("VACUUM;", "cannot VACUUM"),
        ("PRAGMA main.journal_mode = WAL;", "wal mode"),
    ] {
        let errors = check_files(&[("1_a.sql", sql)]);
        assert!(errors[0].contains(reason), "{sql}: {errors:#?}");
        assert!(
            errors[0].contains("`-- no-transaction`"),
            "{sql}: {errors:#?}"
        );
    }
    let no_transaction = "-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCOMMIT;\nVACUUM;";
    assert_eq!(
        check_files(&[("1_a.sql", no_transaction)]),
        Vec::<String>::new()
    );
}

/// The warnings of checking `files`, every migration new, as messages; panics on an error.
fn warnings_of(files: &[(&str, &str)]) -> Vec<String> {
    let set = crate::check::resolved(files);
    let (errors, warnings) = check(
        &set,
        &Judge::new(&set, crate::check::OldMigrations::None),
        &[],
        None,
        None,
    );
    assert_eq!(errors, Vec::new());
    warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn a_foreign_keys_pragma_is_found_in_any_case() {
    // Files are only split when they name the pragma: in any case of its letters.
    for sql in [
        "pRaGmA MAIN.Foreign_KEYS = off;",
        "CREATE TABLE t (id INTEGER);\nPragma FOREIGN_keys(0);",
    ] {
        assert_eq!(warnings_of(&[("1_a.sql", sql)]).len(), 1, "{sql}");
    }
}

#[test]
fn a_foreign_keys_pragma_inside_the_transaction_is_a_warning_not_an_error() {
    // A table rebuild as torrust-index wrote it: the pragma is a no-op where it runs, and the
    // file knew it (it backs up the tables the `DROP TABLE` cascades into).
    let rebuild = "PRAGMA foreign_keys = OFF;\n\
                   CREATE TABLE a_new (id INTEGER PRIMARY KEY);\n\
                   INSERT INTO a_new SELECT id FROM a;\n\
                   DROP TABLE a;\n\
                   ALTER TABLE a_new RENAME TO a;\n\
                   pragma foreign_keys(1);";
    let warnings = warnings_of(&[
        ("1_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);"),
        ("2_rebuild.sql", rebuild),
    ]);
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("migrations/2_rebuild.sql:1:1: `PRAGMA foreign_keys` has no effect here: this file runs in the migration's transaction"),
        "{warnings:#?}"
    );
    assert!(
        warnings[0].contains("put `-- no-transaction` at the top of the file")
            && warnings[0].contains("or remove it"),
        "{warnings:#?}"
    );
    assert!(
        warnings[1].starts_with("migrations/2_rebuild.sql:6:1: "),
        "{warnings:#?}"
    );
    // Reading the setting is fine; so is setting it outside a transaction, or in a file that
    // opted out of the check.
    for sql in [
        "PRAGMA foreign_keys;",
        "-- no-transaction\nPRAGMA foreign_keys = OFF;",
        "-- schema: no-check\nPRAGMA foreign_keys = OFF;",
    ] {
        assert_eq!(
            warnings_of(&[("1_a.sql", sql)]),
            Vec::<String>::new(),
            "{sql}"
        );
    }
}

#[test]
fn a_foreign_keys_pragma_in_an_old_file_is_the_same_warning() {
    let set = crate::check::resolved(&[
        ("1_a.up.sql", "CREATE TABLE a (id INT);"),
        ("1_a.down.sql", "PRAGMA foreign_keys = OFF;\nDROP TABLE a;"),
        ("2_b.sql", "CREATE TABLE b (id INT);"),
    ]);
    let (errors, warnings) = check(
        &set,
        &Judge::new(&set, crate::check::OldMigrations::default()),
        &[],
        None,
        None,
    );
    assert_eq!(errors, Vec::new());
    assert!(
        matches!(&warnings[..], [Warning::PragmaIgnoredInTransaction { at, .. }] if at.file == "migrations/1_a.down.sql"),
        "{warnings:#?}"
    );
}

/// The newest migration's down is judged in full (by default, and with `old = none`), and a
/// column it adds back at the end of its table is still a warning, not an error.
#[test]
fn a_column_order_only_difference_in_the_newest_down_is_a_warning() {
    let set = crate::check::resolved(&[
        (
            "1_authors.sql",
            "CREATE TABLE authors (id INTEGER PRIMARY KEY, born INTEGER, name TEXT NOT NULL);",
        ),
        (
            "2_drop_born.up.sql",
            "ALTER TABLE authors DROP COLUMN born;",
        ),
        (
            "2_drop_born.down.sql",
            "ALTER TABLE authors ADD COLUMN born INTEGER;",
        ),
    ]);
    for old in [
        crate::check::OldMigrations::default(),
        crate::check::OldMigrations::None,
        crate::check::OldMigrations::UpTo(1),
    ] {
        let (errors, warnings) = check(&set, &Judge::new(&set, old), &[], None, None);
        assert_eq!(errors, Vec::new(), "{old:?}");
        assert_eq!(
            warnings,
            [Warning::ColumnOrder {
                up: "migrations/2_drop_born.up.sql".to_owned(),
                down: "migrations/2_drop_born.down.sql".to_owned(),
                tables: vec!["authors".to_owned()],
            }],
            "{old:?}"
        );
    }
    // Anything more than the order is an error in the newest down.
    let changed = crate::check::resolved(&[
        (
            "1_authors.sql",
            "CREATE TABLE authors (id INTEGER PRIMARY KEY, born INTEGER, name TEXT NOT NULL);",
        ),
        (
            "2_drop_born.up.sql",
            "ALTER TABLE authors DROP COLUMN born;",
        ),
        (
            "2_drop_born.down.sql",
            "ALTER TABLE authors ADD COLUMN born TEXT;",
        ),
    ]);
    let judge = Judge::new(&changed, crate::check::OldMigrations::default());
    let (errors, _) = check(&changed, &judge, &[], None, None);
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

#[test]
fn an_attached_database_is_stood_in_for_by_an_empty_one() {
    let errors = check_files(&[(
        "1_a.sql",
        "-- no-transaction\nATTACH 'other.db' AS o;\nCREATE TABLE o.t (x);\nINSERT INTO o.t VALUES (1);\nDETACH o;",
    )]);
    assert_eq!(errors, Vec::<String>::new());
    let errors = check_files(&[("1_a.sql", "ATTACH DATABASE 'x.db' AS \"x\";")]);
    assert!(
        errors[0].contains("cannot ATTACH database within transaction"),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains("`-- no-transaction` file"),
        "{errors:#?}"
    );
}

#[test]
fn an_attached_name_is_read_however_it_is_quoted_or_spaced() {
    // `AS"aux"` and `AS [x y]` were refused: the name was read by splitting at blanks.
    let errors = check_files(&[(
        "1_a.sql",
        "-- no-transaction\nATTACH 'other.db' AS\"aux\";\nCREATE TABLE aux.t (x);\n\
         ATTACH 'x AS y.db' AS [x y];\nCREATE TABLE [x y].t (x);\n\
         ATTACH CAST('z.db' AS TEXT) AS `z``q`;\nCREATE TABLE \"z`q\".t (x);\n\
         ATTACH DATABASE 'w.db' AS 'w';\nCREATE TABLE w.t (x);\nDETACH aux;",
    )]);
    assert_eq!(errors, Vec::<String>::new());
    for (sql, name) in [
        ("ATTACH 'f' AS\"aux\";", Some("aux")),
        ("ATTACH 'f' AS [x y];", Some("x y")),
        ("attach 'f' as \"a\"\"b\"", Some("a\"b")),
        ("ATTACH 'a AS b' /* AS c */ AS d -- AS e\n;", Some("d")),
        ("ATTACH 'f' AS;", None),
        ("SELECT 1 AS x;", None),
    ] {
        assert_eq!(attached_alias(sql).as_deref(), name, "{sql}");
    }
}

#[test]
fn reports_a_comment_nested_in_a_comment() {
    let errors = check_files(&[(
        "1_a.sql",
        "CREATE TABLE a (x);\n/*\nCREATE TABLE old (x); /* legacy table */\n*/\nCREATE TABLE b (x);",
    )]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.sql:3:23: sqlite cannot apply this statement: this `/*` is inside a comment"),
        "{errors:#?}"
    );
}

#[test]
fn a_trigger_whose_body_names_begin_and_end_columns_applies() {
    let errors = check_files(&[(
        "1_a.sql",
        "CREATE TABLE spans (id INTEGER PRIMARY KEY, begin INTEGER, end INTEGER);\n\
         CREATE TABLE log (x);\n\
         CREATE TRIGGER spans_ins AFTER INSERT ON spans BEGIN\n\
           UPDATE spans SET end = NEW.begin + 1 WHERE id = NEW.id AND end IS NULL;\n\
           INSERT INTO log VALUES (NEW.id);\n\
         END;",
    )]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn data_statements_are_compiled_but_not_run() {
    // Run, the insert would fail on the NOT NULL column and take seconds to fill the table.
    let errors = check_files(&[
        ("1_a.sql", "CREATE TABLE a (id INT, name TEXT NOT NULL);"),
        (
            "2_fill.sql",
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000000)\n\
             INSERT INTO a (id) SELECT n FROM s;\nCREATE UNIQUE INDEX a_id ON a (id);",
        ),
    ]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn no_check_files_are_applied_but_their_failures_skipped() {
    let errors = check_files(&[
        (
            "1_a.sql",
            "-- schema: no-check\nCREATE VIRTUAL TABLE v USING vec0(x);\nCREATE TABLE a (id INT);",
        ),
        ("2_b.sql", "CREATE INDEX a_idx ON a (id);"),
    ]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn finds_the_object_sqlite_names_without_an_offset() {
    let sql = "INSERT INTO users_old SELECT * FROM \"Users\" JOIN users ON 1;";
    assert_eq!(named_object_offset("no such table: users", sql), Some(37));
    assert_eq!(
        named_object_offset("no such table: main.users", sql),
        Some(37)
    );
    assert_eq!(named_object_offset("no such table: nope", sql), None);
    assert_eq!(named_object_offset("something else", sql), None);
    let message = "table users_old has no column named users";
    assert_eq!(named_object_offset(message, sql), Some(37));
}

#[test]
fn keeps_sqlites_words_but_backticks_names() {
    assert_eq!(
        reword("no such table: main.users"),
        "no such table `main.users`"
    );
    assert_eq!(
        reword("near \"FROM\": syntax error"),
        "syntax error near `FROM`"
    );
    assert_eq!(reword("table a already exists"), "table a already exists");
    assert_eq!(
        reword("table posts has no column named title"),
        "table `posts` has no column `title`"
    );
}

#[test]
fn a_no_transaction_file_that_leaves_a_transaction_open_is_reported_not_waited_on() {
    // A `SAVEPOINT` outside a transaction opens one; the down's copy of the database would
    // wait for it for ever. Reading a folder refuses such a file first; a set built otherwise
    // (its fields are public) still reaches the check.
    let mut set = crate::check::resolved(&[
        ("1_a.up.sql", "-- no-transaction\nCREATE TABLE a (x);"),
        ("1_a.down.sql", "-- no-transaction\nDROP TABLE a;"),
    ]);
    set.migrations[0].sql = "-- no-transaction\nSAVEPOINT s;\nCREATE TABLE a (x);".to_owned();
    let judge = Judge::new(&set, crate::check::OldMigrations::None);
    let errors: Vec<String> = check(&set, &judge, &[], None, None)
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.up.sql:2:1: sqlite cannot apply this statement: it opens a transaction that the file never ends"),
        "{errors:#?}"
    );
}

#[test]
fn a_no_transaction_down_failing_inside_its_own_transaction_is_named() {
    let errors = check_files(&[
        ("1_a.up.sql", "CREATE TABLE a (x);"),
        (
            "1_a.down.sql",
            "-- no-transaction\nBEGIN;\nDROP TABLE nope;\nCOMMIT;",
        ),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.down.sql:3:12: sqlite cannot apply this statement: no such table `nope`"),
        "{errors:#?}"
    );
}

#[test]
fn a_no_transaction_up_is_not_run_again_inside_the_downs_transaction() {
    let errors = check_files(&[
        (
            "1_a.up.sql",
            "-- no-transaction\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;",
        ),
        ("1_a.down.sql", "DROP TABLE a;"),
        ("2_b.sql", "INSERT INTO a VALUES (1);"),
    ]);
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn a_statement_that_runs_for_ever_is_stopped_and_named() {
    let errors = check_files(&[(
        "1_a.sql",
        "CREATE TABLE a (x);\nCREATE TABLE b AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c;",
    )]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.sql:2:1: sqlite cannot apply this statement: the check stopped this statement after 5 s"),
        "{errors:#?}"
    );
}

#[test]
fn a_trigger_is_probed_by_its_event_whatever_its_name_and_columns() {
    // `UPDATE OF` a quoted column with a space: no false error.
    let errors = check_files(&[(
        "1_a.sql",
        "CREATE TABLE a (id INT, \"Full Name\" TEXT);\nCREATE TRIGGER t AFTER UPDATE OF \"Full Name\" ON a BEGIN SELECT 1; END;",
    )]);
    assert_eq!(errors, Vec::<String>::new());
    // A trigger named `delete` that fires on insert: its body is still compiled.
    let errors = check_files(&[(
        "1_a.sql",
        "CREATE TABLE a (id INT);\nCREATE TABLE log (x);\nCREATE TRIGGER \"delete\" AFTER INSERT ON a BEGIN INSERT INTO log VALUES (new.nope); END;",
    )]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("`new.nope`"), "{errors:#?}");
}

#[test]
fn a_down_that_leaves_a_temporary_table_is_reported() {
    let errors = check_files(&[
        ("1_a.up.sql", "CREATE TABLE a (x);"),
        ("1_a.down.sql", "DROP TABLE a;\nCREATE TEMP TABLE t (y);"),
        (
            "2_b.sql",
            "CREATE TEMP TABLE t (y);\nCREATE TEMP TABLE schema_check_before (z);",
        ),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.down.sql: reverting `migrations/1_a.up.sql` does not restore the schema"),
        "{errors:#?}"
    );
    assert!(errors[0].contains("`t`"), "{errors:#?}");
}

#[test]
fn a_piece_sqlite_reads_as_several_statements_is_refused_and_not_run() {
    // `$$` opens a dollar quote for the splitter and names a parameter for SQLite, which
    // reads three statements here. None of them may run: the second would attach a real file.
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    rusqlite::Connection::open(&live)
        .unwrap()
        .execute_batch("CREATE TABLE users (id INTEGER);")
        .unwrap();
    let hidden = format!(
        "SELECT $$; ATTACH '{}' AS live; DROP TABLE live.users; SELECT $$;",
        live.display()
    );
    assert_eq!(crate::statement::split_statements(&hidden).len(), 1);
    let errors = check_files(&[("1_a.sql", &hidden)]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.sql:1:1: sqlite cannot apply this statement: sqlite reads more than one statement here, where the statement splitter reads one"),
        "{errors:#?}"
    );
    let tables: i64 = rusqlite::Connection::open(&live)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'users'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "the real file is untouched");
}

#[test]
fn no_nesting_crashes_the_check() {
    // SQLite limits its parser's stack and the depth of expressions, and the PostgreSQL hint
    // parses only what its nesting guard lets through: none crashes, each is judged once.
    for kind in crate::check::nesting_tests::KINDS {
        let sql = crate::check::nesting_tests::nested(kind, 50_000);
        let errors = check_files(&[("1_a.sql", &sql)]);
        assert!(errors.len() <= 1, "{kind}: {errors:#?}");
    }
}
