//! Reverting, targets, dry runs, baselines and adopting a database that sqlx (or another tool)
//! migrated, against real SQLite files.

use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::Path;
use tempfile::TempDir;

static REVERSIBLE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/reversible");
static FORWARD_ONLY_MIDDLE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/forward_only_middle");
static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static BASIC_MODIFIED: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_modified");

async fn fresh() -> (TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("app.db"))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    (dir, pool)
}

/// The schema as SQLite stores it, without the tracking tables.
async fn schema(pool: &SqlitePool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master
         WHERE name NOT LIKE '\\_schema\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn versions(report: &[schema_runtime::AppliedMigration]) -> Vec<i64> {
    report.iter().map(|m| m.version).collect()
}

#[tokio::test]
async fn up_down_up_round_trips_leave_the_same_schema() {
    let (_dir, pool) = fresh().await;
    let empty = schema(&pool).await;
    REVERSIBLE.migrator().target(1).run(&pool).await.unwrap();
    let after_one = schema(&pool).await;
    REVERSIBLE.run(&pool).await.unwrap();
    let full = schema(&pool).await;

    let report = REVERSIBLE.migrator().revert_to(&pool, 1).await.unwrap();
    assert_eq!(versions(&report.reverted), [3, 2], "newest first");
    assert_eq!(schema(&pool).await, after_one);
    REVERSIBLE.run(&pool).await.unwrap();
    assert_eq!(schema(&pool).await, full);

    let report = REVERSIBLE.migrator().revert_to(&pool, 0).await.unwrap();
    assert_eq!(versions(&report.reverted), [3, 2, 1]);
    assert_eq!(schema(&pool).await, empty);
    let report = REVERSIBLE.run(&pool).await.unwrap();
    assert_eq!(versions(&report.applied), [1, 2, 3]);
    assert_eq!(schema(&pool).await, full);
    assert!(
        REVERSIBLE.run(&pool).await.unwrap().up_to_date_at_boot,
        "the module state followed the reverts"
    );

    let events: Vec<(i64, EventKind)> = REVERSIBLE
        .history(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| (e.version, e.event))
        .collect();
    assert_eq!(
        &events[3..5],
        [(3, EventKind::Revert), (2, EventKind::Revert)]
    );
}

#[tokio::test]
async fn revert_last_reverts_the_newest_migrations() {
    let (_dir, pool) = fresh().await;
    REVERSIBLE.run(&pool).await.unwrap();
    let report = REVERSIBLE.migrator().revert_last(&pool, 1).await.unwrap();
    assert_eq!(versions(&report.reverted), [3]);
    let states: Vec<MigrationState> = REVERSIBLE
        .status(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        states,
        [
            MigrationState::Applied,
            MigrationState::Applied,
            MigrationState::Pending
        ]
    );
}

#[tokio::test]
async fn reverting_past_a_forward_only_migration_is_refused_before_anything_is_reverted() {
    let (_dir, pool) = fresh().await;
    FORWARD_ONLY_MIDDLE.run(&pool).await.unwrap();
    let before = schema(&pool).await;
    let err = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_to(&pool, 1)
        .await
        .unwrap_err();
    let MigrateError::RevertForwardOnly { version: 2, file } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        file,
        "tests/fixtures/forward_only_middle/2_create_books.sql"
    );
    assert_eq!(schema(&pool).await, before, "3 was not reverted either");
    let report = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_to(&pool, 2)
        .await
        .unwrap();
    assert_eq!(versions(&report.reverted), [3]);
}

#[tokio::test]
async fn dry_run_returns_the_plan_and_changes_nothing() {
    let (_dir, pool) = fresh().await;
    let plan = REVERSIBLE.migrator().dry_run(&pool).await.unwrap();
    let files: Vec<&str> = plan.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/reversible/1_create_authors.up.sql",
            "tests/fixtures/reversible/2_create_books.up.sql",
            "tests/fixtures/reversible/3_create_reviews.up.sql"
        ]
    );
    assert!(plan[0].sql.starts_with("CREATE TABLE authors"));
    assert!(schema(&pool).await.is_empty());
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 0, "not even the tracking tables");
    REVERSIBLE.migrator().target(1).run(&pool).await.unwrap();
    let plan = REVERSIBLE
        .migrator()
        .target(2)
        .dry_run(&pool)
        .await
        .unwrap();
    assert_eq!(plan.iter().map(|p| p.version).collect::<Vec<_>>(), [2]);
}

#[tokio::test]
async fn baseline_marks_an_existing_schema_applied_without_running_it() {
    let (_dir, pool) = fresh().await;
    // The database already has what 10 and 20 create.
    sqlx::raw_sql(BASIC.as_slice()[0].sql)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(BASIC.as_slice()[1].sql)
        .execute(&pool)
        .await
        .unwrap();
    let marked = BASIC.migrator().baseline(&pool, 20).await.unwrap();
    assert_eq!(marked, [10, 20]);
    let report = BASIC.run(&pool).await.unwrap();
    assert_eq!(versions(&report.applied), [30]);
    let status = BASIC.status(&pool).await.unwrap();
    assert_eq!(status[0].state, MigrationState::Baseline);
    let events: Vec<EventKind> = BASIC
        .history(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Baseline, EventKind::Baseline, EventKind::Apply]
    );
    let err = BASIC.migrator().baseline(&pool, 25).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::UnknownVersion { version: 25, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn adopts_a_database_that_sqlx_migrated() {
    let (_dir, pool) = fresh().await;
    let sqlx_migrator = sqlx::migrate::Migrator::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic"),
    )
    .await
    .unwrap();
    sqlx_migrator.run(&pool).await.unwrap();

    let err = BASIC_MODIFIED
        .migrator()
        .import_sqlx(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::SqlxChecksumMismatch { version: 20, .. }),
        "{err:?}"
    );
    assert!(
        BASIC
            .status(&pool)
            .await
            .unwrap()
            .iter()
            .all(|e| e.state == MigrationState::Pending),
        "nothing recorded"
    );

    let imported = BASIC.migrator().import_sqlx(&pool).await.unwrap();
    assert_eq!(imported, [10, 20, 30]);
    assert!(BASIC.run(&pool).await.unwrap().up_to_date_at_boot);
    let events: Vec<EventKind> = BASIC
        .history(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, [EventKind::Import; 3]);
    assert_eq!(
        BASIC.migrator().import_sqlx(&pool).await.unwrap(),
        Vec::<i64>::new(),
        "a second import adds nothing"
    );
}

#[tokio::test]
async fn adopts_a_legacy_table_of_versions() {
    let (_dir, pool) = fresh().await;
    sqlx::raw_sql(BASIC.as_slice()[0].sql)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (10);")
        .execute(&pool)
        .await
        .unwrap();
    let imported = BASIC
        .migrator()
        .import_versions_table(&pool, "schema_version")
        .await
        .unwrap();
    assert_eq!(imported, [10]);
    assert_eq!(versions(&BASIC.run(&pool).await.unwrap().applied), [20, 30]);
    let err = BASIC
        .migrator()
        .import_versions_table(&pool, "nope")
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::NoLegacyTable { .. }), "{err:?}");
    let err = BASIC
        .migrator()
        .import_versions_table(&pool, "bad name")
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "table name `bad name` is not a plain identifier; give the table of versions"
        ),
        "{err}"
    );
    let err = BASIC.migrator().import_sqlx(&pool).await.unwrap_err();
    assert!(matches!(err, MigrateError::NoSqlxTable), "{err:?}");
}

#[tokio::test]
async fn refuses_legacy_versions_that_are_not_whole_numbers() {
    for (value, shown) in [
        ("NULL", "NULL"),
        ("'1.1'", "`1.1`"),
        ("2.9", "`2.9`"),
        ("'abc'", "`abc`"),
    ] {
        let (_dir, pool) = fresh().await;
        sqlx::raw_sql(&format!(
            "CREATE TABLE schema_version (version); INSERT INTO schema_version VALUES (10), ({value});"
        ))
        .execute(&pool)
        .await
        .unwrap();
        let err = BASIC
            .migrator()
            .import_versions_table(&pool, "schema_version")
            .await
            .unwrap_err();
        let MigrateError::LegacyVersionNotWhole { value, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(value, shown);
        assert!(err.to_string().contains("nothing was imported"), "{err}");
        // Nothing recorded: the run applies every migration.
        assert_eq!(
            versions(&BASIC.run(&pool).await.unwrap().applied),
            [10, 20, 30]
        );
    }
}
