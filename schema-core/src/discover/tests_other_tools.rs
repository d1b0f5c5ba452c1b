//! Folders as other tools write them: refinery's and Flyway's names, Flyway's repeatable
//! migrations, goose's and dbmate's files with both halves, files wrapped in their own
//! transaction.

use super::tests::{messages, names, resolve};
use super::*;

#[test]
fn reads_refinery_and_flyway_names_beside_sqlx_ones() {
    let set = resolve(&[
        ("V1__init.sql", b"CREATE TABLE a (x INT);"),
        ("U2__backfill.sql", b"INSERT INTO a VALUES (1);"),
        ("3_more.sql", b"SELECT 1;"),
    ])
    .unwrap();
    assert_eq!(
        names(&set),
        vec![
            (1, "init", MigrationKind::Simple),
            (2, "backfill", MigrationKind::Simple),
            (3, "more", MigrationKind::Simple)
        ]
    );
    // Embedded unchanged: the checksum is the file's, as for any other name.
    assert_eq!(
        set.migrations[0].checksum,
        Checksum::of("CREATE TABLE a (x INT);")
    );
    assert_eq!(set.migrations[0].source, None);
}

#[test]
fn refuses_a_flyway_version_with_parts() {
    assert_eq!(
        messages(&[("V1.1__fix.sql", b"")]),
        vec!["migrations/V1.1__fix.sql: the version `1.1` has parts, but versions here are whole numbers, so it cannot be tracked as Flyway tracks it; rename the file with a whole-number version that keeps its place in the order (`V2__…`, and the files after it renumbered)"]
    );
}

#[test]
fn repeatable_migrations_come_after_the_versioned_ones_by_name() {
    let set = resolve(&[
        ("R__views.sql", b"CREATE VIEW v AS SELECT 1;"),
        ("R__functions.sql", b"SELECT 2;"),
        ("20250101000000_a.sql", b"SELECT 3;"),
        ("1_b.up.sql", b"SELECT 4;"),
        ("1_b.down.sql", b"SELECT 5;"),
    ])
    .unwrap();
    let order: Vec<(&str, MigrationKind)> = set
        .migrations
        .iter()
        .map(|m| (m.description.as_str(), m.kind))
        .collect();
    assert_eq!(
        order,
        [
            ("b", MigrationKind::Up),
            ("b", MigrationKind::Down),
            ("a", MigrationKind::Simple),
            ("functions", MigrationKind::Repeatable),
            ("views", MigrationKind::Repeatable)
        ]
    );
    assert_eq!(set.migrations[4].version, crate::repeatable_key("views"));
}

#[test]
fn a_repeatable_migration_runs_in_a_transaction() {
    let errors = messages(&[("R__index.sql", b"-- no-transaction\nVACUUM;")]);
    assert_eq!(
        errors,
        vec!["migrations/R__index.sql: a repeatable migration runs again each time it changes, so it runs in a transaction, all or nothing; remove the `no-transaction` directive, or move the statement that needs it into a versioned migration"]
    );
}

const GOOSE: &str = "-- Users.\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE users (id INT);\nCREATE INDEX users_id ON users (id);\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE users;\n";

#[test]
fn splits_a_goose_file_into_its_up_and_its_down() {
    let set = resolve(&[("20240101000000_users.sql", GOOSE.as_bytes())]).unwrap();
    assert_eq!(
        names(&set),
        vec![
            (20240101000000, "users", MigrationKind::Up),
            (20240101000000, "users", MigrationKind::Down)
        ]
    );
    let (up, down) = (&set.migrations[0], &set.migrations[1]);
    assert_eq!(up.display_path, down.display_path);
    // The block is one statement; each half keeps the lines of the file.
    assert_eq!(up.statement_count, 1);
    assert_eq!(down.statement_count, 1);
    assert_eq!(up.sql.lines().count(), GOOSE.lines().count());
    assert_eq!(down.sql.lines().count(), GOOSE.lines().count());
    let drop = crate::split_statements(&down.sql);
    assert_eq!(
        (drop[0].text, drop[0].line, drop[0].column),
        ("DROP TABLE users;", 9, 1)
    );
    assert!(!up.sql.contains("DROP"));
    assert_eq!(up.source.as_deref(), Some(GOOSE));
    // Each half's checksum is of its own lines: editing the down leaves the up's alone.
    let down_at = GOOSE.find("-- +goose Down").unwrap();
    assert_eq!(up.checksum, Checksum::of(&GOOSE[..down_at]));
    assert_eq!(down.checksum, Checksum::of(&GOOSE[down_at..]));
    // What versions that ran the file whole recorded: the up's legacy checksum.
    assert_eq!(up.legacy_checksum, Some(Checksum::of(GOOSE)));
    assert_eq!(down.legacy_checksum, None);
    let edited = GOOSE.replace("DROP TABLE users;", "DROP TABLE IF EXISTS users;");
    let again = resolve(&[("20240101000000_users.sql", edited.as_bytes())]).unwrap();
    assert_eq!(again.migrations[0].checksum, up.checksum);
    assert_ne!(again.migrations[1].checksum, down.checksum);
}

#[test]
fn a_goose_file_without_a_down_section_is_forward_only_and_unchanged() {
    let sql = "-- +goose Up\nCREATE TABLE a (x INT);\n";
    let set = resolve(&[("1_a.sql", sql.as_bytes())]).unwrap();
    assert_eq!(names(&set), vec![(1, "a", MigrationKind::Simple)]);
    assert_eq!(set.migrations[0].checksum, Checksum::of(sql));
    assert_eq!(set.migrations[0].source, None);
}

#[test]
fn goose_no_transaction_and_dbmate_transaction_false_mean_no_transaction() {
    let set = resolve(&[
        (
            "1_a.sql",
            b"-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- +goose Down\nDROP INDEX CONCURRENTLY i;\n",
        ),
        (
            "2_b.sql",
            b"-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY j ON t (x);\n\n-- migrate:down\nDROP INDEX j;\n",
        ),
    ])
    .unwrap();
    let no_tx: Vec<(i64, MigrationKind, bool)> = set
        .migrations
        .iter()
        .map(|m| (m.version, m.kind, m.no_transaction()))
        .collect();
    assert_eq!(
        no_tx,
        [
            (1, MigrationKind::Up, true),
            (1, MigrationKind::Down, true),
            (2, MigrationKind::Up, true),
            (2, MigrationKind::Down, false)
        ]
    );
}

#[test]
fn errors_in_a_half_point_at_the_line_of_the_file() {
    let errors = messages(&[(
        "1_a.sql",
        b"-- migrate:up\nCREATE TABLE a (x INT);\n\n-- migrate:down\n-- schema: bogus\nDROP TABLE a;\nCOMMIT;\n",
    )]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("migrations/1_a.sql:5:12: unknown directive `bogus`"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("migrations/1_a.sql:7:1: this statement ends"),
        "{}",
        errors[1]
    );
}

#[test]
fn a_down_section_needs_a_file_of_its_own_kind() {
    let errors = messages(&[
        (
            "1_a.up.sql",
            b"-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;",
        ),
        ("1_a.down.sql", b""),
        (
            "R__v.sql",
            b"-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;",
        ),
    ]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("migrations/1_a.up.sql:3:1: `-- +goose Down` starts a down section, but the file is one half of a pair already"), "{}", errors[0]);
    assert!(errors[1].starts_with("migrations/R__v.sql:3:1: `-- migrate:down` starts a down section, but the file is a repeatable migration"), "{}", errors[1]);
}

#[test]
fn a_second_down_for_one_version_is_a_duplicate() {
    let errors = resolve(&[
        ("1_a.sql", GOOSE.as_bytes()),
        ("1_a.down.sql", b"DROP TABLE users;"),
    ])
    .unwrap_err();
    assert!(
        matches!(
            errors.as_slice(),
            [Error::DuplicateVersion { version: 1, .. }]
        ),
        "{errors:?}"
    );
}

#[test]
fn a_file_wrapped_in_its_own_transaction_runs_as_the_migrations() {
    let sql = "-- tracker\r\nBEGIN TRANSACTION;\r\nCREATE TABLE a (x INT);\r\nINSERT INTO a VALUES (1);\r\nEND TRANSACTION;\r\n";
    let set = resolve(&[("1_a.sql", sql.as_bytes())]).unwrap();
    let m = &set.migrations[0];
    assert_eq!(m.statement_count, 2);
    let statements = crate::split_statements(&m.sql);
    assert_eq!(
        (statements[0].text, statements[0].line),
        ("CREATE TABLE a (x INT);", 3)
    );
    assert!(!m.sql.contains("BEGIN") && !m.sql.contains("END"));
    // Checksummed as any file: the file itself.
    assert_eq!(m.checksum, Checksum::of(sql));
    assert_eq!(m.source(), sql);
    assert!(!m.noop);
}
