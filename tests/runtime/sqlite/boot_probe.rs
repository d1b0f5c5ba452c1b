//! The boot's first query against real SQLite files: the module row it reads (count and
//! fingerprint), set right when a run stopped part-way or hands edited it, and the runs that
//! validate the whole history instead. Each test starts on a file of its own with the set
//! applied (`#[schema_runtime::test(file = true)]`).

use schema_runtime::{MigrateError, MigrationState, Migrations};
use sqlx::SqlitePool;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");

#[schema_runtime::test(migrations = BASIC, file = true)]
async fn a_stale_module_row_is_set_right_by_the_next_boot(pool: SqlitePool) {
    // As a run stopped between its last migration's commit and the module row would leave it.
    sqlx::query("UPDATE _schema_modules SET applied_count = 2, fingerprint = 'stale'")
        .execute(&pool)
        .await
        .unwrap();
    let report = BASIC.run(&pool).await.unwrap();
    assert!(!report.up_to_date_at_boot && report.is_noop(), "{report:?}");
    assert_eq!(report.already_applied, 3);
    let (count, fingerprint): (i64, String) =
        sqlx::query_as("SELECT applied_count, fingerprint FROM _schema_modules")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((count, fingerprint), (3, BASIC.fingerprint().to_hex()));
    assert!(BASIC.run(&pool).await.unwrap().up_to_date_at_boot);
    // Values of the wrong type, written by hand, read as stale too (no panic on decoding).
    for garbage in [
        "applied_count = 'abc'",
        "fingerprint = x'00ff'",
        "applied_count = 1.5",
    ] {
        sqlx::query(&format!("UPDATE _schema_modules SET {garbage}"))
            .execute(&pool)
            .await
            .unwrap();
        let report = BASIC.run(&pool).await.unwrap();
        assert!(!report.up_to_date_at_boot && report.is_noop(), "{garbage}");
        assert!(
            BASIC.run(&pool).await.unwrap().up_to_date_at_boot,
            "{garbage}"
        );
    }
}

#[schema_runtime::test(migrations = BASIC, file = true)]
async fn always_validate_notices_a_tracking_row_deleted_by_hand(pool: SqlitePool) {
    sqlx::raw_sql(
        "ALTER TABLE users DROP COLUMN bio; DELETE FROM _schema_migrations WHERE version = 30;",
    )
    .execute(&pool)
    .await
    .unwrap();
    // The boot's one query trusts the module row, which this crate alone writes.
    assert!(BASIC.run(&pool).await.unwrap().up_to_date_at_boot);
    let report = BASIC.migrator().always_validate().run(&pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].version, 30);
    assert!(BASIC.run(&pool).await.unwrap().up_to_date_at_boot);
}

#[schema_runtime::test(migrations = BASIC, file = true)]
async fn a_status_this_crate_never_writes_is_not_trusted_as_applied(pool: SqlitePool) {
    sqlx::query("UPDATE _schema_migrations SET status = 'weird' WHERE version = 20")
        .execute(&pool)
        .await
        .unwrap();
    let status = BASIC.status(&pool).await.unwrap();
    assert_eq!(status[1].state, MigrationState::Failed);
    let err = BASIC
        .migrator()
        .always_validate()
        .run(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MigrateError::Dirty { version: 20, status, .. } if status == "weird"),
        "{err:?}"
    );
    // `repair` is the way out, as for a failed migration.
    BASIC.migrator().repair(&pool, 20).await.unwrap();
    assert_eq!(
        BASIC.status(&pool).await.unwrap()[1].state,
        MigrationState::Applied
    );
}
