//! Failures on the real PostgreSQL server that are its own: the line and column of an error
//! PostgreSQL positions, where the server and the splitter could disagree on a statement's end,
//! and a failure inside a `-- no-transaction` file's own `BEGIN … COMMIT`.

use crate::support::folders;
use crate::support::message;
use crate::support::pg;

use folders::{files, line_of, one_file, statement_and_line};
use pg::{applied_versions, fixture, fresh, tables};
use schema_runtime::{EventKind, MigrateError};

#[tokio::test]
async fn reports_the_line_and_column_of_the_error_in_the_file() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("pg_error_position").run(&pool).await.unwrap_err();
    let message = message(&err);
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
    for (failing_sql, expected) in [
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
            assert!(message(&err).contains(expected), "{err}");
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
        message(&err).contains("was still open and was rolled back"),
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
