//! A connection goes back to the pool as it was lent (issue 14, item 2): what a migration
//! changes on its SQLite connection (pragmas, attached databases, temporary objects) is set
//! back after it, or the connection closed; never on an in-memory database, which would be lost.

use crate::support::folders;

use folders::files;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::str::FromStr;

/// A pool of one connection on a new database file, so that what a test reads is the
/// connection the run used.
async fn one_connection(dir: &tempfile::TempDir) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("app.db"))
        .create_if_missing(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap()
}

async fn pragma(pool: &SqlitePool, name: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT * FROM pragma_{name}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Runs a set of `files` on a new database through a pool of one connection; then the pool's
/// connection must read `value` for `pragma`, and refuse `refused`.
async fn enforced_after(files_: &[(&str, &str)], pragma_name: &str, value: i64, refused: &str) {
    let db = tempfile::tempdir().unwrap();
    let pool = one_connection(&db).await;
    let (_dir, set) = files(files_);
    set.run(&pool).await.unwrap();
    assert_eq!(pragma(&pool, pragma_name).await, value, "{pragma_name}");
    let accepted = sqlx::query(refused).execute(&pool).await;
    assert!(accepted.is_err(), "accepted: {refused}");
}

#[tokio::test]
async fn a_no_transaction_file_turning_foreign_keys_off_leaves_them_on() {
    let tables = "CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id));";
    let off = "-- no-transaction\nPRAGMA foreign_keys = OFF;\nCREATE TABLE notes (body TEXT);";
    let set = [("1_tables.sql", tables), ("2_off.sql", off)];
    enforced_after(&set, "foreign_keys", 1, "INSERT INTO child VALUES (42)").await;
}

#[tokio::test]
async fn a_file_turning_check_constraints_off_leaves_them_on() {
    let unchecked = "PRAGMA ignore_check_constraints = ON;
        CREATE TABLE amounts (n INTEGER NOT NULL CHECK (n > 0));";
    let set = [("1_unchecked.sql", unchecked)];
    enforced_after(
        &set,
        "ignore_check_constraints",
        0,
        "INSERT INTO amounts VALUES (-1)",
    )
    .await;
}

#[tokio::test]
async fn a_failed_file_leaves_no_setting_behind() {
    let db = tempfile::tempdir().unwrap();
    let pool = one_connection(&db).await;
    let (_dir, set) = files(&[(
        "1_fails.sql",
        "PRAGMA recursive_triggers = ON;\nPRAGMA case_sensitive_like = ON;\nSELECT * FROM missing;",
    )]);
    set.run(&pool).await.unwrap_err();
    assert_eq!(pragma(&pool, "recursive_triggers").await, 0);
    let ignores_case: bool = sqlx::query_scalar("SELECT 'a' LIKE 'A'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ignores_case);
}

#[tokio::test]
async fn a_connection_left_with_a_temporary_table_or_an_attached_database_is_not_reused() {
    let db = tempfile::tempdir().unwrap();
    let pool = one_connection(&db).await;
    let other = db.path().join("other.db");
    let (_dir, set) = files(&[(
        "1_scratch.sql",
        &format!(
            "-- no-transaction\nATTACH '{}' AS other;\nCREATE TEMP TABLE scratch (a);",
            other.display()
        ),
    )]);
    set.run(&pool).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_database_list")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(names, ["main"]);
    let temporary: i64 = sqlx::query_scalar("SELECT count(*) FROM temp.sqlite_master")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(temporary, 0);
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_connection_and_gets_its_settings_back() {
    let options = SqliteConnectOptions::from_str("sqlite::memory:").unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .unwrap();
    let (_dir, set) = files(&[(
        "1_unchecked.sql",
        "PRAGMA ignore_check_constraints = ON;
         CREATE TABLE amounts (n INTEGER NOT NULL CHECK (n > 0));
         CREATE TEMP TABLE scratch (a);",
    )]);
    set.run(&pool).await.unwrap();
    assert_eq!(pragma(&pool, "ignore_check_constraints").await, 0);
    // Not closed: the database, its tables and the temporary one are still there.
    sqlx::query("SELECT * FROM amounts, scratch")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(set.run(&pool).await.unwrap().up_to_date_at_boot);
}
