//! The boot's first query against real SQLite files: the module row it reads (count and
//! fingerprint), set right when a run stopped part-way or hands edited it, and the runs that
//! validate the whole history instead.

#[path = "support/chain.rs"]
mod chain;
#[path = "support/sqlite.rs"]
mod sqlite;

use chain::chain;
use schema_runtime::{MigrateError, MigrationState, Migrations};
use sqlite::fresh;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");

#[tokio::test]
async fn a_stale_module_row_is_set_right_by_the_next_boot() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    // As a run stopped between its last migration's commit and the module row would leave it.
    sqlx::query("UPDATE _schema_modules SET applied_count = 2, fingerprint = 'stale'")
        .execute(&db.pool)
        .await
        .unwrap();
    let report = BASIC.run(&db.pool).await.unwrap();
    assert!(!report.up_to_date_at_boot && report.is_noop(), "{report:?}");
    assert_eq!(report.already_applied, 3);
    let (count, fingerprint): (i64, String) =
        sqlx::query_as("SELECT applied_count, fingerprint FROM _schema_modules")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((count, fingerprint), (3, BASIC.fingerprint().to_hex()));
    assert!(BASIC.run(&db.pool).await.unwrap().up_to_date_at_boot);
    // Values of the wrong type, written by hand, read as stale too (no panic on decoding).
    for garbage in [
        "applied_count = 'abc'",
        "fingerprint = x'00ff'",
        "applied_count = 1.5",
    ] {
        sqlx::query(&format!("UPDATE _schema_modules SET {garbage}"))
            .execute(&db.pool)
            .await
            .unwrap();
        let report = BASIC.run(&db.pool).await.unwrap();
        assert!(!report.up_to_date_at_boot && report.is_noop(), "{garbage}");
        assert!(
            BASIC.run(&db.pool).await.unwrap().up_to_date_at_boot,
            "{garbage}"
        );
    }
}

#[tokio::test]
async fn always_validate_notices_a_tracking_row_deleted_by_hand() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    sqlx::raw_sql(
        "ALTER TABLE users DROP COLUMN bio; DELETE FROM _schema_migrations WHERE version = 30;",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    // The boot's one query trusts the module row, which this crate alone writes.
    assert!(BASIC.run(&db.pool).await.unwrap().up_to_date_at_boot);
    let report = BASIC
        .migrator()
        .always_validate()
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].version, 30);
    assert!(BASIC.run(&db.pool).await.unwrap().up_to_date_at_boot);
}

#[tokio::test]
async fn a_status_this_crate_never_writes_is_not_trusted_as_applied() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    sqlx::query("UPDATE _schema_migrations SET status = 'weird' WHERE version = 20")
        .execute(&db.pool)
        .await
        .unwrap();
    let status = BASIC.status(&db.pool).await.unwrap();
    assert_eq!(status[1].state, MigrationState::Failed);
    let err = BASIC
        .migrator()
        .always_validate()
        .run(&db.pool)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MigrateError::Dirty { version: 20, status, .. } if status == "weird"),
        "{err:?}"
    );
    // `repair` is the way out, as for a failed migration.
    BASIC.migrator().repair(&db.pool, 20).await.unwrap();
    assert_eq!(
        BASIC.status(&db.pool).await.unwrap()[1].state,
        MigrationState::Applied
    );
}

#[tokio::test]
async fn another_tools_table_under_a_tracking_name_is_named_with_the_way_out() {
    let db = fresh().await;
    sqlx::query("CREATE TABLE _schema_modules (name TEXT PRIMARY KEY, version TEXT)")
        .execute(&db.pool)
        .await
        .unwrap();
    let err = BASIC.run(&db.pool).await.unwrap_err();
    let message = chain(&err);
    assert!(
        matches!(&err, MigrateError::ForeignTable { table, .. } if table == "_schema_modules"),
        "{err:?}"
    );
    assert!(
        message.contains("`TableNames::with_prefix(..)`") && message.contains("no such column"),
        "{message}"
    );
    // Nothing was applied.
    assert!(BASIC
        .status(&db.pool)
        .await
        .unwrap()
        .iter()
        .all(|e| e.state == MigrationState::Pending));
    // Other names, as the message says, and the run goes through.
    let report = BASIC
        .migrator()
        .table_names(schema_runtime::TableNames::with_prefix("app"))
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 3);
}
