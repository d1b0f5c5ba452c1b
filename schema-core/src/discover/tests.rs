use super::*;
use std::fs;
use tempfile::TempDir;

/// A folder `migrations/` in a fresh temporary root, with `files` written into it.
/// A folder of files of every shape reading one treats apart: CRLF and a lone carriage
/// return, a BOM, a line of directives and sqlx's directive, a file in its own transaction,
/// goose's and dbmate's halves, an up and down pair, one text twice (`001_plain.sql` and
/// `011_same.sql`), an empty file, a repeatable migration. In `migrations/` of the returned
/// root.
pub(crate) fn every_shape() -> TempDir {
    folder(&[
        ("001_plain.sql", b"CREATE TABLE a (x INT);\n"),
        (
            "002_crlf.sql",
            b"CREATE TABLE b (x INT);\r\nCREATE INDEX b_x ON b (x);\r\n",
        ),
        (
            "003_lone_cr.sql",
            b"CREATE TABLE c (x INT);\r-- a lone carriage return\n",
        ),
        ("004_bom.sql", b"\xef\xbb\xbfCREATE TABLE d (x INT);\n"),
        (
            "005_directive.sql",
            b"-- schema: no-check\nCREATE TABLE e (x INT);\n",
        ),
        (
            "006_sqlx.sql",
            b"-- no-transaction\nCREATE TABLE f (x INT);\n",
        ),
        ("007_own.sql", b"BEGIN;\nCREATE TABLE g (x INT);\nCOMMIT;\n"),
        (
            "008_goose.sql",
            b"-- +goose Up\nCREATE TABLE h (x INT);\n-- +goose Down\nDROP TABLE h;\n",
        ),
        (
            "009_dbmate.sql",
            b"-- migrate:up\nCREATE TABLE i (x INT);\n\n-- migrate:down\nDROP TABLE i;\n",
        ),
        ("010_add.up.sql", b"CREATE TABLE j (x INT);\n"),
        ("010_add.down.sql", b"DROP TABLE j;\n"),
        ("011_same.sql", b"CREATE TABLE a (x INT);\n"),
        ("012_empty.sql", b""),
        ("R__view.sql", b"CREATE VIEW v AS SELECT 1;\n"),
    ])
}

pub(super) fn folder(files: &[(&str, &[u8])]) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    fs::create_dir(&dir).unwrap();
    for (name, content) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    root
}

pub(super) fn resolve(files: &[(&str, &[u8])]) -> Result<MigrationSet, Vec<Error>> {
    let root = folder(files);
    resolve_dir(root.path(), "migrations")
}

pub(super) fn messages(files: &[(&str, &[u8])]) -> Vec<String> {
    match resolve(files) {
        Ok(set) => panic!("expected errors, got {:?}", set.migrations),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

pub(super) fn names(set: &MigrationSet) -> Vec<(i64, &str, MigrationKind)> {
    set.migrations
        .iter()
        .map(|m| (m.version, m.description.as_str(), m.kind))
        .collect()
}

#[test]
fn finds_simple_and_reversible_migrations_in_version_order() {
    let set = resolve(&[
        ("10_c.sql", b"SELECT 3;"),
        ("2_b.down.sql", b"DROP TABLE b;"),
        ("2_b.up.sql", b"CREATE TABLE b (id INTEGER);"),
        ("1_a.sql", b"CREATE TABLE a (id INTEGER);"),
    ])
    .unwrap();
    assert_eq!(
        names(&set),
        vec![
            (1, "a", MigrationKind::Simple),
            (2, "b", MigrationKind::Up),
            (2, "b", MigrationKind::Down),
            (10, "c", MigrationKind::Simple)
        ]
    );
    assert_eq!(set.layout, Layout::Files);
    assert_eq!(set.migrations[0].display_path, "migrations/1_a.sql");
    assert_eq!(
        set.migrations[0].checksum,
        Checksum::of("CREATE TABLE a (id INTEGER);")
    );
}

#[test]
fn ignores_files_that_are_not_migrations() {
    let set = resolve(&[
        ("README.md", b"# notes"),
        (".gitkeep", b""),
        (".gitattributes", b"*.sql text"),
        ("1_a.sql~", b"old"),
        (".1_a.sql.swp", b"\xff\xfe"),
        ("fixtures/data.csv", b"1,2"),
        ("1_a.sql", b"SELECT 1;"),
    ])
    .unwrap();
    assert_eq!(names(&set), vec![(1, "a", MigrationKind::Simple)]);
}

#[test]
fn accepts_what_real_folders_contain() {
    let set = resolve(&[
        ("0_setup.sql", b"CREATE TABLE s (id INTEGER)"),
        ("0001_init.up.sql", b"-- comment only\n"),
        ("0001_init.down.sql", b"  \n"),
        (
            "20240309082057_release_view.sql.up.sql",
            b"CREATE VIEW v AS SELECT 1",
        ),
        ("20240309082057_release_view.sql.down.sql", b""),
    ])
    .unwrap();
    assert_eq!(set.migrations.len(), 5);
    assert!(set.migrations[1].noop && set.migrations[2].noop);
    assert!(!set.migrations[0].noop);
    assert_eq!(set.migrations[3].description, "release_view.sql");
}

#[test]
fn crlf_and_bom_files_have_the_checksum_of_their_lf_twin() {
    let lf = resolve(&[("1_a.sql", b"CREATE TABLE a (id INTEGER);\nSELECT 1;\n")]).unwrap();
    let crlf = resolve(&[(
        "1_a.sql",
        b"\xef\xbb\xbfCREATE TABLE a (id INTEGER);\r\nSELECT 1;\r\n",
    )])
    .unwrap();
    assert_eq!(lf.migrations[0].checksum, crlf.migrations[0].checksum);
    assert!(!crlf.migrations[0].sql.starts_with('\u{feff}'));
}

#[test]
fn reads_directives() {
    let set = resolve(&[("1_a.sql", b"-- no-transaction\nCREATE INDEX i ON t (a);")]).unwrap();
    assert!(set.migrations[0].no_transaction());
}

#[test]
fn reports_missing_directory_with_its_resolved_path() {
    let root = tempfile::tempdir().unwrap();
    let errors = resolve_dir(root.path(), "nope").unwrap_err();
    let [Error::MissingDirectory { dir, resolved }] = errors.as_slice() else {
        panic!("{errors:?}");
    };
    assert_eq!(dir, "nope");
    assert_eq!(resolved, &root.path().join("nope"));
}

#[test]
fn reports_a_file_in_place_of_the_directory() {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("migrations"), "x").unwrap();
    let errors = resolve_dir(root.path(), "migrations").unwrap_err();
    assert!(
        matches!(errors.as_slice(), [Error::UnreadableDirectory { .. }]),
        "{errors:?}"
    );
}

#[test]
fn rejects_sql_files_whose_names_do_not_parse() {
    let errors = messages(&[("v1_init.sql", b""), ("1_ok.sql", b"")]);
    assert_eq!(
        errors,
        vec!["migrations/v1_init.sql: not a migration name: expected `<VERSION>_<description>.sql`, `.up.sql` or `.down.sql`, with VERSION a whole number; rename it like `1_init.sql`"]
    );
}

#[test]
fn rejects_duplicate_versions_also_when_zero_padded() {
    let errors = resolve(&[("01_a.sql", b""), ("1_b.sql", b"")]).unwrap_err();
    let [Error::DuplicateVersion {
        version: 1,
        first,
        second,
    }] = errors.as_slice()
    else {
        panic!("{errors:?}");
    };
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("migrations/01_a.sql", "migrations/1_b.sql")
    );
}

#[test]
fn rejects_down_without_up_and_up_without_down() {
    let errors = resolve(&[("1_a.down.sql", b""), ("2_b.up.sql", b"")]).unwrap_err();
    assert!(
        matches!(&errors[0], Error::DownWithoutUp { version: 1, expected_up, .. } if expected_up == "migrations/1_a.up.sql")
    );
    assert!(
        matches!(&errors[1], Error::UpWithoutDown { version: 2, simple, .. } if simple == "migrations/2_b.sql")
    );
    assert_eq!(errors.len(), 2);
}

#[test]
fn rejects_a_version_that_is_simple_and_reversible() {
    let errors =
        resolve(&[("3_a.sql", b""), ("3_a.up.sql", b""), ("3_a.down.sql", b"")]).unwrap_err();
    assert!(
        matches!(
            errors.as_slice(),
            [Error::SimpleAndReversible { version: 3, .. }]
        ),
        "{errors:?}"
    );
    let errors = resolve(&[("4_a.sql", b""), ("4_a.down.sql", b"")]).unwrap_err();
    assert!(
        matches!(
            errors.as_slice(),
            [Error::SimpleAndReversible { version: 4, .. }]
        ),
        "{errors:?}"
    );
}

#[test]
fn rejects_pairs_whose_descriptions_differ() {
    let errors = resolve(&[("5_add.up.sql", b""), ("5_remove.down.sql", b"")]).unwrap_err();
    assert!(
        matches!(
            errors.as_slice(),
            [Error::MismatchedPair { version: 5, .. }]
        ),
        "{errors:?}"
    );
}

#[test]
fn rejects_non_utf8_content_with_the_position_of_the_first_bad_byte() {
    let errors = messages(&[("1_a.sql", b"SELECT 1;\nSELECT '\xff';")]);
    assert_eq!(
        errors,
        vec!["migrations/1_a.sql:2:9: the file is not valid UTF-8; save it as UTF-8"]
    );
}

#[test]
fn rejects_unknown_directives_of_its_own_syntax() {
    let errors = messages(&[("1_a.sql", b"-- schema: no-transactoin\nSELECT 1;")]);
    assert_eq!(
        errors,
        vec!["migrations/1_a.sql:1:12: unknown directive `no-transactoin`; the known directives are `-- schema: no-transaction`, `-- schema: no-check`, `-- schema: allow(<lint rule>, …)`, and a comment that is not a directive must not start with `schema:`"]
    );
}

#[test]
fn rejects_negative_and_too_large_versions() {
    let errors = resolve(&[("-1_a.sql", b""), ("99999999999999999999_b.sql", b"")]).unwrap_err();
    assert!(matches!(&errors[0], Error::NegativeVersion { file } if file == "migrations/-1_a.sql"));
    assert!(
        matches!(&errors[1], Error::VersionOutOfRange { version, .. } if version == "99999999999999999999")
    );
}

#[test]
fn reports_every_problem_in_one_pass() {
    let errors = resolve(&[
        ("1_a.sql", b""),
        ("01_b.sql", b""),
        ("bad.sql", b""),
        ("2_c.sql", b"-- schema: nope\n"),
        ("3_d.sql", b"\xc3\x28"),
        ("4_e.down.sql", b""),
    ])
    .unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:#?}");
}

#[test]
fn reads_diesel_folders_in_diesel_order() {
    let set = resolve(&[
        (
            "2026-05-27-120000-0000_z/up.sql",
            b"CREATE TABLE z (id INTEGER);",
        ),
        ("2026-05-27-120000-0000_z/down.sql", b"DROP TABLE z;"),
        ("20140924113530_x/up.sql", b"CREATE TABLE x (id INTEGER);"),
        ("20140924113530_x/down.sql", b"DROP TABLE x;"),
        (
            "2017-08-31-230457_y/up.sql",
            b"CREATE TABLE y (id INTEGER);",
        ),
        ("2017-08-31-230457_y/down.sql", b"DROP TABLE y;"),
        ("20270101000000_w/up.sql", b"CREATE TABLE w (id INTEGER);"),
        ("00000000000000_diesel_initial_setup/up.sql", b"SELECT 1;"),
        ("00000000000000_diesel_initial_setup/down.sql", b""),
    ])
    .unwrap();
    assert_eq!(set.layout, Layout::Folders);
    let order: Vec<&str> = set
        .migrations
        .iter()
        .filter(|m| m.kind != MigrationKind::Down)
        .map(|m| m.description.as_str())
        .collect();
    // By the version text: the 2026 folder sorts before the 2027 one although its dash-less
    // number (202605271200000000) is larger than 20270101000000.
    assert_eq!(order, vec!["diesel_initial_setup", "x", "y", "z", "w"]);
    assert_eq!(
        set.migrations[1].display_path,
        "migrations/00000000000000_diesel_initial_setup/down.sql"
    );
    let w = set.migrations.last().unwrap();
    assert_eq!((w.kind, w.version), (MigrationKind::Simple, 20270101000000));
}

#[test]
fn reads_diesel_run_in_transaction_metadata() {
    let set = resolve(&[
        ("1_a/up.sql", b"CREATE INDEX i ON t (a);"),
        ("1_a/metadata.toml", b"run_in_transaction = false\n"),
    ])
    .unwrap();
    assert!(set.migrations[0].no_transaction());
    for (toml, no_transaction) in [
        ("run_in_transaction = true\n", false),
        (
            "# diesel\nrun_in_transaction=false # no transaction\n",
            true,
        ),
        ("", false),
    ] {
        let set = resolve(&[
            ("1_a/up.sql", b"CREATE INDEX i ON t (a);"),
            ("1_a/metadata.toml", toml.as_bytes()),
        ])
        .unwrap();
        assert_eq!(set.migrations[0].no_transaction(), no_transaction, "{toml}");
    }
}

#[test]
fn rejects_diesel_metadata_it_does_not_understand() {
    // Each was read as transactional: the migration ran in a transaction its author turned off.
    for (toml, expected) in [
        (
            "run_in_transaction = \"false\"\n",
            "migrations/1_a/metadata.toml:1:22: `run_in_transaction` is the string \"false\", not a boolean; write it without quotes; diesel's `metadata.toml` holds one setting, written `run_in_transaction = false` (or `true`, the default)",
        ),
        (
            "\nrun-in-transaction = false\n",
            "migrations/1_a/metadata.toml:2:1: unknown setting `run-in-transaction`, which diesel ignores (the migration would run in a transaction); write `run_in_transaction`; diesel's `metadata.toml` holds one setting, written `run_in_transaction = false` (or `true`, the default)",
        ),
        ("transaction = false\n", "migrations/1_a/metadata.toml:1:1: unknown setting `transaction`; "),
        ("run_in_transaction = 0\n", "migrations/1_a/metadata.toml:1:22: `run_in_transaction` is not a boolean; "),
        ("[run_in_transaction]\n", "migrations/1_a/metadata.toml:1:1: `run_in_transaction` is not a boolean; "),
        ("run_in_transaction = fals\n", "migrations/1_a/metadata.toml:1:22: not valid TOML: "),
    ] {
        let errors = messages(&[
            ("1_a/up.sql", b"CREATE INDEX i ON t (a);"),
            ("1_a/metadata.toml", toml.as_bytes()),
        ]);
        assert_eq!(errors.len(), 1, "{toml}: {errors:#?}");
        assert!(errors[0].starts_with(expected), "{toml}: {errors:#?}");
    }
}

#[test]
fn rejects_diesel_folder_without_up_and_mixed_layouts() {
    let errors = messages(&[("1_a/down.sql", b"")]);
    assert_eq!(errors, vec!["migrations/1_a: diesel migration folder without `up.sql`; add it, or remove the folder"]);
    let errors = resolve(&[("1_a/up.sql", b""), ("2_b.sql", b"")]).unwrap_err();
    assert!(
        matches!(errors.as_slice(), [Error::MixedLayouts { .. }]),
        "{errors:?}"
    );
}

#[test]
fn suggests_names() {
    assert_eq!(suggest_name("V3_add_email.sql"), "V3__add_email.sql");
    assert_eq!(suggest_name("U3-add_email.up.sql"), "U3__add_email.up.sql");
    assert_eq!(suggest_name("v3-add_email.sql"), "3_add_email.sql");
    assert_eq!(suggest_name("R__views.down.sql"), "R__views.sql");
    assert_eq!(suggest_name("R1__views.sql"), "R__views.sql");
    assert_eq!(suggest_name("init.up.sql"), "<VERSION>_init.up.sql");
    assert_eq!(suggest_name("7.sql"), "7_description.sql");
}

#[test]
fn shows_the_directory_as_given() {
    assert_eq!(display_dir("./migrations/"), "migrations");
    assert_eq!(display_dir("db\\migrations"), "db/migrations");
}

#[test]
fn rejects_a_statement_that_ends_the_migrations_transaction() {
    let errors = messages(&[
        (
            "1_a.sql",
            b"CREATE TABLE a (x);\nCOMMIT;\nCREATE TABLE b (x);",
        ),
        ("2_b.up.sql", b"CREATE TABLE c (x);"),
        ("2_b.down.sql", b"DROP TABLE c;\n  rollback;"),
    ]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "migrations/1_a.sql:2:1: this statement ends the transaction the migration runs in"
        ),
        "{errors:#?}"
    );
    assert!(errors[0].contains("`-- no-transaction`"), "{errors:#?}");
    assert!(
        errors[1].starts_with("migrations/2_b.down.sql:2:3: this statement ends"),
        "{errors:#?}"
    );
    let errors = messages(&[(
        "1_a.sql",
        b"-- wrapped\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nCREATE TABLE b (x);",
    )]);
    assert_eq!(
        errors,
        vec!["migrations/1_a.sql:2:1: the file opens and ends a transaction of its own (`BEGIN` … `COMMIT`), but each migration already runs in one, which the file's `COMMIT` would end early; a file that is one plain `BEGIN` … `COMMIT` and nothing else runs as the migration's transaction, and this one is not: remove both statements, or put `-- no-transaction` at the top of the file to keep them"]
    );
    // Savepoints stay inside the transaction; a `-- no-transaction` file manages its own.
    resolve(&[
        (
            "1_a.sql",
            b"SAVEPOINT s;\nCREATE TABLE a (x);\nROLLBACK TO s;\nRELEASE s;",
        ),
        (
            "2_b.sql",
            b"-- no-transaction\nBEGIN;\nCREATE TABLE b (x);\nCOMMIT;\nVACUUM;",
        ),
    ])
    .unwrap();
}

#[test]
fn rejects_a_no_transaction_file_that_leaves_its_transaction_open() {
    let errors = messages(&[(
        "1_a.sql",
        b"-- no-transaction\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nBEGIN IMMEDIATE;\nCREATE TABLE b (x);",
    )]);
    assert_eq!(
        errors,
        vec!["migrations/1_a.sql:5:1: this statement opens a transaction that the file does not end, and in a `-- no-transaction` file nothing else will: what the file runs after it, and what is written next on that connection, would never be committed; end it with `COMMIT` after the file's last statement"]
    );
    // Diesel's `run_in_transaction = false` is the same directive.
    let errors = messages(&[
        (
            "1_a/up.sql",
            b"START TRANSACTION;\nCREATE INDEX i ON t (a);",
        ),
        ("1_a/metadata.toml", b"run_in_transaction = false\n"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("opens a transaction"), "{errors:#?}");
}

#[test]
fn rejects_a_string_that_is_never_closed() {
    let errors = messages(&[(
        "1_a.sql",
        b"CREATE TABLE a (x TEXT);\nINSERT INTO a VALUES ('abc);\nSELECT 1;",
    )]);
    assert_eq!(
        errors,
        vec!["migrations/1_a.sql:2:23: this string is never closed, so the database would read everything after it as part of it: close it with `'` (a `'` inside a string is written twice: `''`)"]
    );
}

#[test]
fn locations_do_not_count_a_leading_byte_order_mark() {
    let errors = messages(&[("1_a.sql", "\u{feff}-- schema: bogus\nSELECT 1;".as_bytes())]);
    assert!(
        errors[0].starts_with("migrations/1_a.sql:1:12: unknown directive"),
        "{errors:#?}"
    );
    let errors = messages(&[("1_a.sql", "\u{feff}/* open\nSELECT 1;".as_bytes())]);
    assert!(
        errors[0].starts_with("migrations/1_a.sql:1:1: this `/*`"),
        "{errors:#?}"
    );
}

#[test]
fn a_savepoint_opens_a_transaction_only_its_release_ends() {
    // The statement whose transaction is still open at the end, by its first words.
    fn left_open_at(sql: &str) -> Option<&str> {
        let survey = crate::statement::survey(sql);
        left_open(sql, &survey.transaction_control).map(|(offset, _)| &sql[offset..offset + 11])
    }
    for closed in [
        "SAVEPOINT a; CREATE TABLE t (x); RELEASE a;",
        "SAVEPOINT a; SAVEPOINT b; RELEASE a;",
        "SAVEPOINT a; RELEASE SAVEPOINT \"A\";",
        "SAVEPOINT savepoint; RELEASE SAVEPOINT savepoint;",
        "SAVEPOINT savepoint; RELEASE savepoint;",
        "SAVEPOINT a; ROLLBACK;",
        "SAVEPOINT a; COMMIT;",
        "BEGIN; SAVEPOINT a; RELEASE a; COMMIT;",
        "RELEASE a;",
        "CREATE TABLE t (x);",
    ] {
        assert_eq!(left_open_at(closed), None, "{closed}");
    }
    for (open, at) in [
        ("SAVEPOINT a; SAVEPOINT b; RELEASE b;", "SAVEPOINT a"),
        ("SAVEPOINT a; ROLLBACK TO a;", "SAVEPOINT a"),
        ("SAVEPOINT a; RELEASE b;", "SAVEPOINT a"),
        ("BEGIN TRAN; SAVEPOINT a; RELEASE a;", "BEGIN TRAN;"),
        ("SAVEPOINT a; RELEASE a; SAVEPOINT b;", "SAVEPOINT b"),
    ] {
        assert_eq!(left_open_at(open), Some(at), "{open}");
    }
}

/// [`left_open`] against SQLite itself: every sequence SQLite runs without an error leaves a
/// transaction open exactly when `left_open` says so.
#[cfg(feature = "check-sqlite")]
#[test]
fn left_open_agrees_with_sqlite() {
    let pieces = [
        "BEGIN;",
        "COMMIT;",
        "ROLLBACK;",
        "SAVEPOINT a;",
        "SAVEPOINT \"B\";",
        "SAVEPOINT savepoint;",
        "RELEASE a;",
        "RELEASE SAVEPOINT b;",
        "RELEASE savepoint;",
        "ROLLBACK TO a;",
        "CREATE TABLE IF NOT EXISTS t (x);",
    ];
    let mut sequences: Vec<Vec<&str>> = vec![vec![]];
    for _ in 0..4 {
        let longer: Vec<Vec<&str>> = sequences
            .iter()
            .filter(|s| s.len() == sequences.last().map_or(0, Vec::len))
            .flat_map(|s| {
                pieces.iter().map(move |p| {
                    let mut next = s.clone();
                    next.push(p);
                    next
                })
            })
            .collect();
        sequences.extend(longer);
    }
    let mut compared = 0;
    for sequence in sequences {
        let sql = sequence.join("\n");
        let db = rusqlite::Connection::open_in_memory().unwrap();
        if db.execute_batch(&sql).is_err() {
            continue;
        }
        let survey = crate::statement::survey(&sql);
        assert_eq!(
            left_open(&sql, &survey.transaction_control).is_some(),
            !db.is_autocommit(),
            "{sql}"
        );
        compared += 1;
    }
    assert!(compared > 1000, "{compared}");
}
