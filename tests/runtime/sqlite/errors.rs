//! Failures on a real SQLite file that are SQLite's own: a run dropped half-way on a pool of
//! one connection, and where SQLite and the splitter could disagree on a statement's end (the
//! statement is named by counting, as SQLite gives no position).

use crate::support::folders;
use crate::support::message;
use crate::support::sqlite;

use folders::{line_of, one_file, statement_and_line};
use schema_runtime::{MigrateError, Migrations};
use sqlite::{applied_versions, fresh, open, tables};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::time::Duration;

static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");
static SLOW_FILL: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/slow_fill", check = false);

#[tokio::test]
async fn a_run_dropped_half_way_leaves_the_pool_no_open_transaction() {
    let db = fresh().await;
    // A pool of one connection: whatever the dropped run leaves on it, the next user gets.
    let options = SqliteConnectOptions::new()
        .filename(&db.path)
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    SLOW_FILL.migrator().target(1).run(&pool).await.unwrap();
    let cut = tokio::time::timeout(Duration::from_millis(100), SLOW_FILL.run(&pool)).await;
    assert!(cut.is_err(), "the fill was to be still running: {cut:?}");

    // The connection the pool hands out next is not inside the dropped run's transaction:
    // what it writes is committed, and another connection sees it.
    sqlx::query("CREATE TABLE written_after (x INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    let other = open(&db.path).await;
    assert!(tables(&other).await.contains(&"written_after".to_owned()));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM numbers")
        .fetch_one(&other)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the dropped run's rows were rolled back");
    assert_eq!(applied_versions(&other).await, [(1, "applied".to_owned())]);

    let report = SLOW_FILL.run(&pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
}

/// The statements of a file with the constructs that could make SQLite and the splitter
/// disagree on where a statement ends: a trigger body, `CASE … END`, a `;` in a string and in
/// comments.
const TRICKY: [&str; 6] = [
    "CREATE TABLE t (a TEXT);",
    "CREATE TABLE t2 (a TEXT);",
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO t2 VALUES (CASE WHEN NEW.a = ';' THEN 'semi' ELSE NEW.a END);\n  SELECT 1;\nEND;",
    "INSERT INTO t VALUES (';'); -- a comment; with a semicolon",
    "/* a block; comment */ INSERT INTO t VALUES ('x');",
    "UPDATE t SET a = 'y' WHERE a = 'x';",
];

#[tokio::test]
async fn the_counted_statement_is_the_one_the_file_numbers_wherever_it_fails() {
    for failing in 0..TRICKY.len() {
        let mut statements = TRICKY.map(str::to_owned);
        statements[failing] = "INSERT INTO nowhere VALUES (1);".to_owned();
        let text = statements.join("\n");
        let line = line_of(&text, "INSERT INTO nowhere");
        let (_dir, set) = one_file("tricky", &text);
        let db = fresh().await;
        let err = set.run(&db.pool).await.unwrap_err();
        assert_eq!(statement_and_line(&err), (failing + 1, line), "{err}");
        assert!(message(&err).contains("no such table: nowhere"), "{err}");
        assert!(!tables(&db.pool).await.contains(&"t".to_owned()));
    }
    // And whole, it applies.
    let (_dir, set) = one_file("tricky", &TRICKY.join("\n"));
    let db = fresh().await;
    set.run(&db.pool).await.unwrap();
    let copied: Vec<String> = sqlx::query_scalar("SELECT a FROM t2 ORDER BY rowid")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(copied, ["semi", "x"]);
}

/// An option only PostgreSQL has, set on a migrator of an SQLite pool: refused by every
/// operation before anything runs (no tracking table, no lock file), never silently ignored.
#[tokio::test]
async fn options_only_postgres_has_are_refused_on_sqlite_before_anything_runs() {
    let db = fresh().await;
    let limit = Duration::from_secs(5);
    let migrators = [
        (
            "statement_timeout()",
            BASIC_PLUS.migrator().statement_timeout(limit),
        ),
        (
            "table_lock_timeout()",
            BASIC_PLUS.migrator().table_lock_timeout(limit),
        ),
        (
            "lock_mode()",
            BASIC_PLUS
                .migrator()
                .lock_mode(schema_runtime::LockMode::Session),
        ),
    ];
    for (name, migrator) in migrators {
        let refused = |err: MigrateError| {
            let MigrateError::UnsupportedOption {
                option, database, ..
            } = &err
            else {
                panic!("{name}: {err:?}");
            };
            assert_eq!((*option, *database), (name, "SQLite"));
            assert!(
                err.to_string().contains("applies to PostgreSQL only"),
                "{err}"
            );
        };
        refused(migrator.run(&db.pool).await.unwrap_err());
        refused(migrator.status(&db.pool).await.unwrap_err());
        refused(migrator.dry_run(&db.pool).await.unwrap_err());
        refused(migrator.revert_to(&db.pool, 0).await.unwrap_err());
        refused(migrator.baseline(&db.pool, 10).await.unwrap_err());
        assert!(tables(&db.pool).await.is_empty(), "{name}");
        assert!(!db.path.with_file_name("app.db-schema-lock").exists());
    }
    // Without them, the same migrator runs.
    BASIC_PLUS
        .migrator()
        .lock_timeout(limit)
        .run(&db.pool)
        .await
        .unwrap();
}
