//! SQLite: the run's connection goes back to the pool with no transaction open after a failure
//! the statements' own handling did not see (a progress write inside a `-- no-transaction`
//! file's own transaction), and an in-memory database survives a run cut short.

use crate::support::folders;
use crate::support::message;
use crate::support::sqlite;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Executor;
use std::str::FromStr;
use std::time::Duration;

const TABLE: (&str, &str) = ("1_t.sql", "CREATE TABLE t (x INT);\n");

/// Statement 2 opens the file's transaction; its progress write is the one the test refuses.
const OWN: (&str, &str) = (
    "2_own.sql",
    "-- no-transaction\nINSERT INTO t VALUES (1);\nBEGIN;\nINSERT INTO t VALUES (2);\nCOMMIT;\n",
);

/// Whether the pool's next connection can start a transaction: it is not inside one.
async fn outside_a_transaction(pool: &SqlitePool) -> bool {
    let mut conn = pool.acquire().await.unwrap();
    let began = conn.execute("BEGIN IMMEDIATE").await;
    let _ = conn.execute("ROLLBACK").await;
    began.is_ok()
}

#[tokio::test]
async fn a_failed_progress_write_inside_the_files_own_transaction_rolls_it_back() {
    let db = sqlite::fresh().await;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&db.path))
        .await
        .unwrap();
    let (_first, set) = folders::files(&[TABLE]);
    set.run(&pool).await.unwrap();
    pool.execute(
        "CREATE TRIGGER refuse_progress BEFORE UPDATE OF statements_done ON _schema_migrations
         WHEN NEW.version = 2 AND NEW.statements_done = 2
         BEGIN SELECT RAISE(ABORT, 'progress refused'); END",
    )
    .await
    .unwrap();
    let (_both, set) = folders::files(&[TABLE, OWN]);
    let err = set.run(&pool).await.unwrap_err();
    let message = message(&err);
    assert!(message.contains("progress refused"), "{message}");
    assert!(message.contains("rolled back"), "{message}");
    assert!(message.contains("counts 1 statements done"), "{message}");
    assert!(
        outside_a_transaction(&pool).await,
        "the pooled connection came back inside the file's transaction"
    );
    // The application's writes on that connection commit: another connection sees them.
    pool.execute("INSERT INTO t VALUES (10)").await.unwrap();
    let (status, done): (String, i64) =
        sqlx::query_as("SELECT status, statements_done FROM _schema_migrations WHERE version = 2")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let rows: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), done), ("running", 1));
    assert_eq!(rows, [1, 10], "the row's progress matches the database");
}

/// A migration that takes seconds inside its transaction.
const SLOW: (&str, &str) = (
    "2_slow.sql",
    "INSERT INTO t VALUES (2);\nCREATE TABLE slow AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20000000) SELECT count(*) AS n FROM c;\n",
);

#[tokio::test]
async fn a_run_cut_short_keeps_an_in_memory_database() {
    for url in ["sqlite::memory:", "sqlite:file::memory:"] {
        // The rollback waits for the slow statement to end, which on a loaded machine takes
        // longer than the pool's default 30 s wait for a connection.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(600))
            .connect_with(SqliteConnectOptions::from_str(url).unwrap())
            .await
            .unwrap();
        let (_first, set) = folders::files(&[TABLE]);
        set.run(&pool).await.unwrap();
        pool.execute("INSERT INTO t VALUES (1)").await.unwrap();
        let (_both, set) = folders::files(&[TABLE, SLOW]);
        let cut = tokio::time::timeout(Duration::from_millis(300), set.run(&pool)).await;
        assert!(cut.is_err(), "{url}: the slow migration finished first");
        let rows: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{url}: the database was lost: {e}"));
        assert_eq!(rows, [1], "{url}: the cut migration was rolled back");
        assert!(outside_a_transaction(&pool).await, "{url}");
    }
}
