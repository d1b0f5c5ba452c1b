//! What a failed migration reports and leaves behind in a real SQLite file: the statement
//! and line that failed (SQLite gives no position: the failing statement is the one after the
//! last that SQLite reported complete), a constraint that fails at `COMMIT`, `all_or_nothing`,
//! and nothing applied or recorded of the migration that failed.

#[path = "support/chain.rs"]
mod chain;
#[path = "support/folders.rs"]
mod folders;
#[path = "support/sqlite.rs"]
mod sqlite;

use chain::chain;
use folders::{line_of, one_file, statement_and_line};
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};
use sqlite::{applied_versions, fresh, open, tables, TRACKING};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::time::Duration;

static FAILING_STATEMENT: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/failing_statement", check = false);
static ALL_OR_NOTHING_FAILING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/all_or_nothing_failing", check = false);
static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");
static BATCH_EDGES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/batch_edges", check = false);
static SLOW_FILL: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/slow_fill", check = false);
static DEFERRED_FOREIGN_KEY: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/deferred_foreign_key", check = false);

#[tokio::test]
async fn a_failing_statement_leaves_no_trace_and_is_named_with_its_line() {
    let db = fresh().await;
    let err = FAILING_STATEMENT.run(&db.pool).await.unwrap_err();
    let MigrateError::Failed {
        version,
        file,
        statement,
        line,
        column,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*version, file.as_str()),
        (2, "tests/fixtures/failing_statement/2_add_orders.sql")
    );
    assert_eq!((*statement, *line, *column), (3, 5, 1));
    let message = chain(&err);
    assert!(message.starts_with("tests/fixtures/failing_statement/2_add_orders.sql:5:1: statement 3 of migration 2 failed"), "{message}");
    assert!(
        message.contains("no such table: order_lines") && message.contains("rolled back"),
        "{message}"
    );

    // The first two statements left nothing: no `orders` table, no applied row for 2.
    assert!(!tables(&db.pool).await.contains(&"orders".to_owned()));
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
    // The failure is in the history with its error text.
    let history = FAILING_STATEMENT.history(&db.pool).await.unwrap();
    let failure = history
        .iter()
        .find(|e| e.event == EventKind::Failure)
        .unwrap();
    assert_eq!(failure.version, 2);
    assert!(failure.detail.as_deref().unwrap().contains("order_lines"));
    // Nothing was recorded as dirty: fixing the file and booting again is all it takes.
    let status = FAILING_STATEMENT.status(&db.pool).await.unwrap();
    assert_eq!(status[1].state, MigrationState::Pending);
    assert!(!status[1].checked, "embedded with `check = false`");
}

#[tokio::test]
async fn all_or_nothing_applies_every_pending_migration_or_none() {
    let db = fresh().await;
    let err = ALL_OR_NOTHING_FAILING
        .migrator()
        .all_or_nothing()
        .run(&db.pool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 40,
                statement: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("none was applied"));
    assert_eq!(tables(&db.pool).await, TRACKING);
    assert!(applied_versions(&db.pool).await.is_empty());
    // The tables the run created in its transaction went with it; the failure's record did
    // not.
    let history = ALL_OR_NOTHING_FAILING.history(&db.pool).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| (e.version, e.event))
            .collect::<Vec<_>>(),
        [(40, EventKind::Failure)]
    );

    let report = BASIC_PLUS
        .migrator()
        .all_or_nothing()
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 4);
    assert!(BASIC_PLUS.run(&db.pool).await.unwrap().up_to_date_at_boot);
}

#[tokio::test]
async fn names_the_statement_after_the_last_one_sqlite_completed() {
    let db = fresh().await;
    // A module name and a value with quotes, a last statement without `;` and a last comment
    // without a newline: all reach the database as written.
    let migrator = || BATCH_EDGES.migrator().module("it's a \"module\"");
    let err = migrator().run(&db.pool).await.unwrap_err();
    let MigrateError::Failed {
        version: 2,
        statement: 3,
        line: 5,
        column: 3,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(chain(&err).contains("UNIQUE constraint failed"), "{err}");
    let notes: Vec<(i64, String)> = sqlx::query_as("SELECT id, note FROM notes ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        notes,
        [(1, r"it's a \ backslash".to_owned())],
        "nothing of migration 2 stays"
    );
    let rows: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "SELECT module, version, status, duration_ms FROM _schema_migrations ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1, rows[0].2.as_str()),
        ("it's a \"module\"", 1, "applied")
    );
    // Measured where it ran, from the clock this process reads too: a few milliseconds.
    assert!((0..10_000).contains(&rows[0].3), "{rows:?}");
    let events: Vec<(i64, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT version, event, duration_ms, detail FROM _schema_history ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        (events[0].0, events[0].1.as_str(), events[0].2),
        (1, "apply", Some(rows[0].3))
    );
    assert_eq!((events[1].0, events[1].1.as_str()), (2, "failure"));
    let detail = events[1].3.as_deref().unwrap_or_default();
    assert!(
        detail.starts_with("statement 3 (line 5, column 3) failed after 2 of 4 statements"),
        "{detail}"
    );
    let status = migrator().status(&db.pool).await.unwrap();
    assert_eq!(status[1].state, MigrationState::Pending);
}

#[tokio::test]
async fn a_constraint_checked_at_commit_fails_the_migration_and_leaves_nothing() {
    let db = fresh().await;
    let err = DEFERRED_FOREIGN_KEY.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::CommitFailed { version: 2, .. }),
        "{err:?}"
    );
    let message = chain(&err);
    assert!(
        message.starts_with("tests/fixtures/deferred_foreign_key/2_children.sql: migration 2 could not commit after every statement ran; "),
        "{message}"
    );
    assert!(
        message.contains("FOREIGN KEY constraint failed") && message.contains("rolled back"),
        "{message}"
    );
    assert!(!tables(&db.pool).await.contains(&"children".to_owned()));
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
    // The failure is in the history, and nothing is marked dirty: the next run tries again.
    let history = DEFERRED_FOREIGN_KEY.history(&db.pool).await.unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(events, [(1, EventKind::Apply), (2, EventKind::Failure)]);
    assert!(history[1]
        .detail
        .as_deref()
        .unwrap_or_default()
        .starts_with("COMMIT failed"));
    let again = DEFERRED_FOREIGN_KEY.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(again, MigrateError::CommitFailed { .. }),
        "{again:?}"
    );
}

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
        assert!(chain(&err).contains("no such table: nowhere"), "{err}");
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
