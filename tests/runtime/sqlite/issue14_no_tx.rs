//! Issue 14, `-- no-transaction` files on SQLite: the recorded progress after a kill is exact
//! or names the statement that may have run, and the file's own transaction stays whole.

use crate::support::folders;
use crate::support::message;
use crate::support::replicas;
use crate::support::sqlite;

use replicas::fixture_migrator;
use schema_runtime::{EventKind, InDoubt, MigrateError, Migrations, ResolveOptions};
use sqlite::{fresh, tables};
use sqlx::sqlite::SqlitePool;
use std::path::Path;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> Migrations {
    Migrations::load(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &format!("tests/fixtures/{name}"),
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Status and statements done of version 2's row, and the marks the file's statements wrote.
async fn recorded(pool: &SqlitePool) -> (String, i64, Vec<i64>) {
    let (status, done): (String, i64) =
        sqlx::query_as("SELECT status, statements_done FROM _schema_migrations WHERE version = 2")
            .fetch_one(pool)
            .await
            .unwrap();
    let marks = sqlx::query_scalar("SELECT n FROM marks ORDER BY n")
        .fetch_all(pool)
        .await
        .unwrap();
    (status, done, marks)
}

/// Waits until version 2's row matches `condition`.
async fn until_row(pool: &SqlitePool, condition: &str) {
    let sql = format!("SELECT count(*) FROM _schema_migrations WHERE version = 2 AND {condition}");
    let started = Instant::now();
    loop {
        let found: i64 = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap_or(0);
        if found == 1 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never {condition}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_migrator_killed_mid_file_leaves_progress_that_matches_the_database() {
    // Each statement of the file inserts its own number: after a kill, the statements the
    // row counts as done must be exactly those whose mark is there.
    let mut mid_file = 0;
    for progress in [1, 5, 10, 20, 40, 60, 80, 100] {
        let db = fresh().await;
        let mut child = fixture_migrator(&db.path, "no_tx_progress")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        until_row(&db.pool, &format!("statements_done >= {progress}")).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (status, done, marks) = recorded(&db.pool).await;
        if status == "running" {
            mid_file += 1;
        }
        assert_eq!(
            marks,
            (1..=done).collect::<Vec<i64>>(),
            "killed past {progress} statements: the row says {done} ran ({status})"
        );
    }
    assert!(mid_file >= 4, "only {mid_file} kills landed mid-file");
}

#[tokio::test]
async fn a_kill_inside_a_statement_run_outside_a_transaction_says_it_may_have_run() {
    let db = fresh().await;
    let mut child = fixture_migrator(&db.path, "no_tx_in_doubt")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // `PRAGMA integrity_check` cannot share a transaction with its progress: it is noted as
    // started first. Kill the migrator while it runs.
    until_row(&db.pool, "error IS NOT NULL").await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let set = fixture("no_tx_in_doubt");
    let status = set.status(&db.pool).await.unwrap();
    assert_eq!(
        status[1].progress.map(|p| (p.done, p.total, p.in_doubt)),
        Some((1, 3, Some(2)))
    );
    let err = set.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::Dirty { version: 2, .. }),
        "{err:?}"
    );
    assert!(
        message(&err).contains("1 of 3 statements ran, and statement 2 may have run"),
        "{err}"
    );
    // A resume needs to be told which way it went.
    let err = set.migrator().resume(&db.pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::StatementInDoubt {
                version: 2,
                statement: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let options = ResolveOptions::default().statement_in_doubt(InDoubt::DidNotRun);
    set.migrator().resume_with(&db.pool, options).await.unwrap();
    let marks: Vec<i64> = sqlx::query_scalar("SELECT n FROM marks ORDER BY n")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(marks, [1, 3]);
}

#[tokio::test]
async fn a_files_own_transaction_stays_whole_when_a_statement_in_it_fails() {
    let db = fresh().await;
    let (_dir, set) = folders::files(&[(
        "1_own.sql",
        "-- no-transaction\nCREATE TABLE a0 (x INTEGER);\nBEGIN;\nCREATE TABLE a1 (x INTEGER);\nINSERT INTO nowhere VALUES (1);\nCOMMIT;\n",
    )]);
    let err = set.run(&db.pool).await.unwrap_err();
    assert_eq!(folders::statement_and_line(&err).0, 4);
    let names = tables(&db.pool).await;
    assert!(names.contains(&"a0".to_owned()), "{names:?}");
    assert!(!names.contains(&"a1".to_owned()), "{names:?}");
    let done: i64 =
        sqlx::query_scalar("SELECT statements_done FROM _schema_migrations WHERE version = 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        done, 1,
        "the progress inside the rolled-back transaction is gone with it"
    );
}

const LOG_AND_USERS: (&str, &str) = (
    "1_init.sql",
    "CREATE TABLE log (n INTEGER);\nCREATE TABLE users (email TEXT);\nINSERT INTO users VALUES ('a'), ('a');\n",
);
const UNIQUE: &str = "-- no-transaction\nINSERT INTO log VALUES (1);\nCREATE UNIQUE INDEX users_email ON users (email);\nINSERT INTO log VALUES (3);\n";

async fn log(pool: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT n FROM log ORDER BY rowid")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn resume_runs_only_the_statements_that_did_not_complete() {
    let db = fresh().await;
    let (_dir, set) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", UNIQUE)]);
    let err = set.run(&db.pool).await.unwrap_err();
    assert_eq!(folders::statement_and_line(&err).0, 2);
    let err = set.run(&db.pool).await.unwrap_err();
    assert!(message(&err).contains("`resume()`"), "{err}");
    sqlx::query(
        "DELETE FROM users WHERE rowid NOT IN (SELECT min(rowid) FROM users GROUP BY email)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let report = set.migrator().resume(&db.pool).await.unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(log(&db.pool).await, [1, 3], "statement 1 ran once");
    assert!(set.run(&db.pool).await.unwrap().is_noop());
    let history = set.history(&db.pool).await.unwrap();
    assert_eq!(history.last().map(|e| e.event), Some(EventKind::Apply));
    let err = set.migrator().resume(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::NothingToResume { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn resume_and_repair_refuse_a_file_edited_since_it_failed_unless_allowed() {
    let db = fresh().await;
    let (_dir, set) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", UNIQUE)]);
    set.run(&db.pool).await.unwrap_err();
    let edited = UNIQUE.replace("VALUES (3)", "VALUES (30)");
    let (_edited_dir, edited) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", &edited)]);
    let err = edited.migrator().resume(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::EditedSinceFailure { version: 2, .. }),
        "{err:?}"
    );
    let err = edited.migrator().repair(&db.pool, 2).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::EditedSinceFailure { version: 2, .. }),
        "{err:?}"
    );
    edited
        .migrator()
        .repair_with(&db.pool, 2, ResolveOptions::default().allow_edited())
        .await
        .unwrap();
    assert!(edited.run(&db.pool).await.unwrap().is_noop());
}
