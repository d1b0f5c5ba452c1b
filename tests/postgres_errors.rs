//! What a failed migration reports and leaves behind on a real PostgreSQL server (started by
//! `scripts/with-postgres`, which `scripts/test` runs): the statement, line and column of the
//! error whether or not PostgreSQL gives a position, failures at `COMMIT`, and nothing applied
//! or recorded of the migration that failed.

#[path = "support/chain.rs"]
mod chain;
#[path = "support/folders.rs"]
mod folders;
#[path = "support/pg.rs"]
mod pg;

use chain::chain;
use folders::{files, line_of, one_file, statement_and_line};
use pg::{applied_versions, fixture, fresh, tables};
use schema_runtime::{EventKind, MigrateError};

#[tokio::test]
async fn a_failing_transactional_migration_leaves_nothing_behind() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("failing_statement").run(&pool).await.unwrap_err();
    let MigrateError::Failed {
        version: 2,
        statement: 3,
        line: 5,
        column,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    // PostgreSQL points at the missing table: `order_lines` starts at column 13.
    assert_eq!(*column, 13, "{err}");
    assert!(
        chain(&err).contains("relation \"order_lines\" does not exist"),
        "{err}"
    );
    assert!(!tables(&pool).await.contains(&"orders".to_owned()));
    assert_eq!(applied_versions(&pool).await, [(1, "applied".to_owned())]);
}

#[tokio::test]
async fn reports_the_line_and_column_of_the_error_in_the_file() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("pg_error_position").run(&pool).await.unwrap_err();
    let message = chain(&err);
    // PostgreSQL points at the unknown type `NUMBER`: line 5, column 41 of the file, counted in characters (the file has multi-byte ones before it).
    assert!(
        message.starts_with("tests/fixtures/pg_error_position/1_create_widgets.sql:5:41: statement 3 of migration 1 failed"),
        "{message}"
    );
    assert!(
        message.contains("type \"number\" does not exist"),
        "{message}"
    );
}

#[tokio::test]
async fn an_error_without_a_position_names_the_statement_that_was_running() {
    let (pool, _, _server) = fresh().await;
    // A module name and a value with a quote and a backslash, a last statement without `;` and
    // a last comment without a newline: all reach the database as written.
    let migrator = || fixture("batch_edges").migrator().module(r"it's a \ module");
    let err = migrator().run(&pool).await.unwrap_err();
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
    assert!(chain(&err).contains("duplicate key"), "{err}");
    let notes: Vec<(i32, String)> = sqlx::query_as("SELECT id, note FROM notes ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        notes,
        [(1, r"it's a \ backslash".to_owned())],
        "nothing of migration 2 stays"
    );
    let rows: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT module, version, status FROM _schema_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [(r"it's a \ module".to_owned(), 1, "applied".to_owned())]
    );
    let events: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT version, event, detail FROM _schema_history ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!((events[0].0, events[0].1.as_str()), (1, "apply"));
    assert_eq!((events[1].0, events[1].1.as_str()), (2, "failure"));
    let detail = events[1].2.as_deref().unwrap_or_default();
    assert!(
        detail.starts_with("statement 3 (line 5, column 3) failed after 2 of 4 statements"),
        "{detail}"
    );
    let status = migrator().status(&pool).await.unwrap();
    assert_eq!(status.len(), 2);
}

#[tokio::test]
async fn a_constraint_checked_at_commit_fails_the_migration_and_leaves_nothing() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("deferred_foreign_key")
        .run(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::CommitFailed { version: 2, .. }),
        "{err:?}"
    );
    let message = chain(&err);
    assert!(
        message.starts_with("tests/fixtures/deferred_foreign_key/2_children.sql: migration 2 could not commit after every statement ran; "),
        "{message}"
    );
    assert!(message.contains("children_parent_fkey"), "{message}");
    assert!(!tables(&pool).await.contains(&"children".to_owned()));
    assert_eq!(applied_versions(&pool).await, [(1, "applied".to_owned())]);
    let history = fixture("deferred_foreign_key")
        .history(&pool)
        .await
        .unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(events, [(1, EventKind::Apply), (2, EventKind::Failure)]);
}

#[tokio::test]
async fn all_or_nothing_names_the_failing_migration_and_applies_none() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("batch_edges")
        .migrator()
        .all_or_nothing()
        .run(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 3,
                line: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!tables(&pool).await.contains(&"notes".to_owned()));
    assert_eq!(applied_versions(&pool).await, []);
}

/// Constructs that could make the server and the splitter disagree on where a statement ends:
/// dollar-quoted bodies, `DO`, an `E''` string with an escaped quote, nested comments and a
/// `BEGIN ATOMIC` body.
const TRICKY: [&str; 7] = [
    "CREATE TABLE t (a TEXT);",
    "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;",
    "DO $body$ BEGIN PERFORM 1; END $body$;",
    r"INSERT INTO t VALUES (E'it\'s; here'); -- a comment; with a semicolon",
    "/* nested /* block; */ comment */ INSERT INTO t VALUES ('x');",
    "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT x + 1; END;",
    "UPDATE t SET a = 'y' WHERE a = 'x';",
];

#[tokio::test]
async fn the_statement_named_is_the_failing_one_with_or_without_a_position() {
    // `1 / 0` fails without a position (named by counting), `nowhere` with one.
    for (failing_sql, message) in [
        ("SELECT 1 / 0;", "division by zero"),
        (
            "SELECT * FROM nowhere;",
            "relation \"nowhere\" does not exist",
        ),
    ] {
        for failing in 0..TRICKY.len() {
            let mut statements = TRICKY.map(str::to_owned);
            statements[failing] = failing_sql.to_owned();
            let text = statements.join("\n");
            let line = line_of(&text, failing_sql);
            let (_dir, set) = one_file("tricky", &text);
            let (pool, _, _server) = fresh().await;
            let err = set.run(&pool).await.unwrap_err();
            assert_eq!(statement_and_line(&err), (failing + 1, line), "{err}");
            assert!(chain(&err).contains(message), "{err}");
            assert!(!tables(&pool).await.contains(&"t".to_owned()));
        }
    }
}

#[tokio::test]
async fn a_failure_inside_the_files_own_transaction_rolls_it_back_and_is_recorded() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = files(&[
        (
            "1_init.sql",
            "CREATE TABLE t (id INT PRIMARY KEY, name TEXT NOT NULL);",
        ),
        (
            "2_fill.sql",
            "-- no-transaction\nINSERT INTO t VALUES (1, 'kept');\nBEGIN;\nINSERT INTO t VALUES (2, 'b');\nINSERT INTO t VALUES (3, NULL);\nCOMMIT;\n",
        ),
    ]);
    let err = set.run(&pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("was still open and was rolled back"),
        "{err}"
    );
    let ids: Vec<i32> = sqlx::query_scalar("SELECT id FROM t ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(ids, [1]);
    // Recorded, although the session was inside the file's aborted transaction.
    assert_eq!(
        applied_versions(&pool).await,
        [(1, "applied".to_owned()), (2, "failed".to_owned())]
    );
    let done: i64 =
        sqlx::query_scalar("SELECT statements_done FROM _schema_migrations WHERE version = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(done, 1);
    let history = set.history(&pool).await.unwrap();
    assert_eq!(history.last().unwrap().event, EventKind::Failure);
    let err = set.run(&pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::Dirty { version: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn another_tools_table_under_a_tracking_name_is_named_with_the_way_out() {
    let (pool, _, _server) = fresh().await;
    sqlx::query("CREATE TABLE _schema_migrations (id SERIAL PRIMARY KEY, name TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    let err = fixture("basic").status(&pool).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::ForeignTable { table, .. } if table == "_schema_migrations"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("`TableNames::with_prefix(..)`"),
        "{err}"
    );
}
