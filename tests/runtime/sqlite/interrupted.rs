//! A `running` row left by a process that stopped while applying a `-- no-transaction` file:
//! `status` says it was interrupted (not that a statement failed), and reading where things
//! stand (`status`, `history`) neither creates nor writes the lock file, so that it works where
//! the lock file or its folder cannot be written.

use crate::support::message;
use crate::support::sqlite;

use schema_runtime::{MigrationState, Migrations, StatusEntry};
use sqlite::fresh;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::Path;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");

/// Marks migration 30 as a process that died while applying it would have left it.
async fn leave_running(pool: &sqlx::SqlitePool) {
    sqlx::query("UPDATE _schema_migrations SET status = 'running', statements_done = 0, statements_total = 1 WHERE version = 30")
        .execute(pool)
        .await
        .unwrap();
}

fn entry(entries: &[StatusEntry], version: i64) -> &StatusEntry {
    entries.iter().find(|e| e.version == version).unwrap()
}

fn lock_path(db: &Path) -> std::path::PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push("-schema-lock");
    path.into()
}

#[schema_runtime::test(migrations = BASIC, file = true)]
async fn a_running_row_without_a_run_is_interrupted_and_a_failed_one_is_not(pool: SqlitePool) {
    leave_running(&pool).await;
    let entries = BASIC.status(&pool).await.unwrap();
    let interrupted = entry(&entries, 30);
    assert_eq!(interrupted.state, MigrationState::Failed);
    assert!(interrupted.interrupted);
    assert!(!entry(&entries, 20).interrupted);
    // A target reads every row, as `always_validate` does: the module row says all is applied.
    let err = BASIC.migrator().target(30).run(&pool).await.unwrap_err();
    let message = message(&err);
    assert!(
        message.contains("migration 30 was being applied by a process that stopped before it finished, and is recorded as running (0 of 1 statements ran); run the statements that did not complete with `resume()`"),
        "{message}"
    );

    sqlx::query("UPDATE _schema_migrations SET status = 'failed', error = 'no such table' WHERE version = 30")
        .execute(&pool)
        .await
        .unwrap();
    let entries = BASIC.status(&pool).await.unwrap();
    assert_eq!(entry(&entries, 30).state, MigrationState::Failed);
    assert!(!entry(&entries, 30).interrupted);
}

#[tokio::test]
async fn status_reads_a_running_row_without_writing_the_lock_file() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    leave_running(&db.pool).await;
    // A lock path the process cannot open for writing, whoever it runs as (root included):
    // a folder where the lock file would be.
    let lock = lock_path(&db.path);
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir(&lock).unwrap();
    let entries = BASIC.status(&db.pool).await.unwrap();
    assert!(entry(&entries, 30).interrupted);

    // A database opened read-only, whose lock file does not exist: nothing is created.
    std::fs::remove_dir(&lock).unwrap();
    let read_only = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&db.path)
                .read_only(true),
        )
        .await
        .unwrap();
    let entries = BASIC.status(&read_only).await.unwrap();
    assert!(entry(&entries, 30).interrupted);
    assert_eq!(BASIC.history(&read_only).await.unwrap().len(), 3);
    assert!(!lock.exists(), "status created the lock file");
}

#[tokio::test]
async fn status_still_sees_a_live_run_through_a_read_only_look() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    leave_running(&db.pool).await;
    // A run holding the lock, as the process applying the file would.
    let lock = std::fs::File::create(lock_path(&db.path)).unwrap();
    lock.lock().unwrap();
    let entries = BASIC.status(&db.pool).await.unwrap();
    assert_eq!(entry(&entries, 30).state, MigrationState::Running);
    assert!(!entry(&entries, 30).interrupted);
    lock.unlock().unwrap();
    let entries = BASIC.status(&db.pool).await.unwrap();
    assert!(entry(&entries, 30).interrupted);
}
