//! A run on an SQLite file without tracking tables creates them in the first migration's
//! transaction: a new database commits once per migration, and a first migration that fails
//! or runs outside a transaction still finds the tables it records into (`all_or_nothing`
//! failing on a new database: `tests/runtime/errors.rs`).

use crate::support::folders;
use crate::support::sqlite;

use folders::one_file;
use schema_runtime::{EventKind, MigrateError, Migrations};
use sqlite::{applied_versions, fresh, tables, TRACKING};
use std::path::Path;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");

/// SQLite's file change counter (bytes 24..28 of the header): one more for every transaction
/// that wrote to the file, in the rollback journal modes.
fn commits(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap();
    u32::from_be_bytes(bytes[24..28].try_into().unwrap())
}

fn has_tracking_tables(names: &[String]) -> bool {
    TRACKING.iter().all(|t| names.iter().any(|n| n == t))
}

#[tokio::test]
async fn a_new_database_commits_once_per_migration() {
    let db = fresh().await;
    let report = BASIC.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 3);
    assert_eq!(commits(&db.path), 3, "no commit of its own for the tables");
    assert!(has_tracking_tables(&tables(&db.pool).await));
    assert_eq!(BASIC.history(&db.pool).await.unwrap().len(), 3);

    // The next boot finds the tables and writes nothing.
    let again = BASIC.run(&db.pool).await.unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(commits(&db.path), 3);
}

#[tokio::test]
async fn all_or_nothing_on_a_new_database_commits_once() {
    let db = fresh().await;
    let report = BASIC
        .migrator()
        .all_or_nothing()
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 3);
    assert_eq!(commits(&db.path), 1);
    assert_eq!(applied_versions(&db.pool).await.len(), 3);
}

#[tokio::test]
async fn a_first_migration_that_fails_is_recorded_in_tables_created_for_it() {
    let db = fresh().await;
    let (_dir, set) = one_file(
        "create_items",
        "CREATE TABLE items (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n",
    );
    let err = set.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(
            &err,
            MigrateError::Failed {
                version: 1,
                statement: 2,
                line: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let names = tables(&db.pool).await;
    assert!(!names.contains(&"items".to_owned()), "{names:?}");
    assert!(has_tracking_tables(&names), "{names:?}");
    assert!(applied_versions(&db.pool).await.is_empty());
    let history = set.history(&db.pool).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].version, history[0].event),
        (1, EventKind::Failure)
    );
    assert!(history[0].detail.as_deref().unwrap().contains("nowhere"));
}

#[tokio::test]
async fn a_first_migration_without_a_transaction_finds_the_tables() {
    let db = fresh().await;
    let (_dir, set) = one_file(
        "create_items",
        "-- no-transaction\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX items_name ON items (name);\n",
    );
    let report = set.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    let (done, total): (i64, i64) = sqlx::query_as(
        "SELECT statements_done, statements_total FROM _schema_migrations WHERE version = 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((done, total), (2, 2));
}
