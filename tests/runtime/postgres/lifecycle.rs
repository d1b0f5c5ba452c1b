//! Reverting, targets, dry runs, baselines and adopting a database that sqlx (or another tool)
//! migrated, against the real PostgreSQL server `scripts/with-postgres` starts.

use crate::support::folders;
use crate::support::pg;

use pg::{fixture, fresh};
use schema_runtime::{EventKind, MigrateError, MigrationState};
use sqlx::postgres::PgPool;
use std::path::Path;

/// The schema as the catalog describes it, without the tracking tables: tables with their
/// columns, indexes and views.
async fn schema(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('%s %s %s', c.relkind, c.relname,
                coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull, ',' ORDER BY a.attnum)
                          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''))
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relname NOT LIKE '\\_schema\\_%' AND c.relkind IN ('r', 'i', 'v', 'S')
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn versions(report: &[schema_runtime::AppliedMigration]) -> Vec<i64> {
    report.iter().map(|m| m.version).collect()
}

#[tokio::test]
async fn up_down_up_round_trips_leave_the_same_catalog() {
    let (pool, _, _server) = fresh().await;
    let set = fixture("reversible");
    let empty = schema(&pool).await;
    set.migrator().target(1).run(&pool).await.unwrap();
    let after_one = schema(&pool).await;
    set.run(&pool).await.unwrap();
    let full = schema(&pool).await;
    assert!(full.len() > after_one.len());

    let report = set.migrator().revert_to(&pool, 1).await.unwrap();
    assert_eq!(versions(&report.reverted), [3, 2]);
    assert_eq!(schema(&pool).await, after_one);
    set.run(&pool).await.unwrap();
    assert_eq!(schema(&pool).await, full);
    set.migrator().revert_to(&pool, 0).await.unwrap();
    assert_eq!(schema(&pool).await, empty);
    assert_eq!(versions(&set.run(&pool).await.unwrap().applied), [1, 2, 3]);
    assert_eq!(schema(&pool).await, full);
    assert!(set.run(&pool).await.unwrap().up_to_date_at_boot);
}

#[tokio::test]
async fn reverting_past_a_forward_only_migration_is_refused_before_anything_is_reverted() {
    let (pool, _, _server) = fresh().await;
    let set = fixture("forward_only_middle");
    set.run(&pool).await.unwrap();
    let before = schema(&pool).await;
    let err = set.migrator().revert_to(&pool, 1).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::RevertForwardOnly { version: 2, .. }),
        "{err:?}"
    );
    assert_eq!(schema(&pool).await, before);
    assert_eq!(
        versions(&set.migrator().revert_last(&pool, 1).await.unwrap().reverted),
        [3]
    );
}

#[tokio::test]
async fn dry_run_returns_the_plan_and_changes_nothing() {
    let (pool, _, _server) = fresh().await;
    let plan = fixture("reversible")
        .migrator()
        .dry_run(&pool)
        .await
        .unwrap();
    assert_eq!(
        plan.iter().map(|p| p.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(plan[1].sql.contains("CREATE TABLE books"));
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables, 0, "not even the tracking tables");
}

#[tokio::test]
async fn baseline_then_run_applies_only_the_rest() {
    let (pool, _, _server) = fresh().await;
    let set = fixture("basic");
    sqlx::raw_sql(set.as_slice()[0].sql)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(set.migrator().baseline(&pool, 10).await.unwrap(), [10]);
    assert_eq!(versions(&set.run(&pool).await.unwrap().applied), [20, 30]);
    assert_eq!(
        set.status(&pool).await.unwrap()[0].state,
        MigrationState::Baseline
    );
    let events: Vec<EventKind> = set
        .history(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Baseline, EventKind::Apply, EventKind::Apply]
    );
}

#[tokio::test]
async fn adopts_a_database_that_sqlx_migrated() {
    let (pool, _, _server) = fresh().await;
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    sqlx::migrate::Migrator::new(folder)
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let err = fixture("basic_modified")
        .migrator()
        .import_sqlx(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::SqlxChecksumMismatch { version: 20, .. }),
        "{err:?}"
    );
    assert_eq!(
        fixture("basic")
            .migrator()
            .import_sqlx(&pool)
            .await
            .unwrap(),
        [10, 20, 30]
    );
    assert!(
        fixture("basic")
            .run(&pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
    assert_eq!(
        versions(&fixture("basic_plus").run(&pool).await.unwrap().applied),
        [40]
    );
}

#[tokio::test]
async fn adopts_a_legacy_table_of_versions() {
    let (pool, _, _server) = fresh().await;
    let set = fixture("basic");
    sqlx::raw_sql(set.as_slice()[0].sql)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE schema_version (version TEXT NOT NULL); INSERT INTO schema_version VALUES ('10');")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        set.migrator()
            .import_versions_table(&pool, "schema_version")
            .await
            .unwrap(),
        [10]
    );
    assert_eq!(versions(&set.run(&pool).await.unwrap().applied), [20, 30]);
}

#[tokio::test]
async fn refuses_legacy_versions_that_are_not_whole_numbers() {
    let (pool, _, _server) = fresh().await;
    let set = fixture("basic");
    sqlx::raw_sql("CREATE TABLE schema_version (version TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    for (value, shown) in [("NULL", "NULL"), ("'1.1'", "`1.1`")] {
        sqlx::raw_sql(&format!(
            "DELETE FROM schema_version; INSERT INTO schema_version VALUES ('10'), ({value});"
        ))
        .execute(&pool)
        .await
        .unwrap();
        let err = set
            .migrator()
            .import_versions_table(&pool, "schema_version")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, MigrateError::LegacyVersionNotWhole { value, .. } if value == shown),
            "{err:?}"
        );
    }
    assert_eq!(
        versions(&set.run(&pool).await.unwrap().applied),
        [10, 20, 30]
    );
}

#[tokio::test]
async fn a_no_transaction_down_runs_outside_a_transaction() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[
        ("1_a.sql", "CREATE TABLE a (v INT);"),
        (
            "2_index.up.sql",
            "-- no-transaction\nCREATE INDEX CONCURRENTLY a_v ON a (v);",
        ),
        (
            "2_index.down.sql",
            "-- no-transaction\nDROP INDEX CONCURRENTLY a_v;",
        ),
    ]);
    set.run(&pool).await.unwrap();
    let report = set.migrator().revert_last(&pool, 1).await.unwrap();
    assert_eq!(report.reverted.len(), 1);
    let indexes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'a_v'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(indexes, 0);
    let history = set.history(&pool).await.unwrap();
    assert_eq!(history.last().unwrap().event, EventKind::Revert);
    assert_eq!(set.run(&pool).await.unwrap().applied.len(), 1);
}

#[tokio::test]
async fn status_says_running_while_another_run_applies_a_no_transaction_file() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[
        ("1_a.sql", "CREATE TABLE a (v INT);"),
        (
            "2_slow.sql",
            "-- no-transaction\nSELECT pg_sleep(1.5);\nCREATE INDEX CONCURRENTLY a_v ON a (v);",
        ),
    ]);
    let set: &'static schema_runtime::Migrations = Box::leak(Box::new(set));
    set.migrator().target(1).run(&pool).await.unwrap();
    let runner = tokio::spawn({
        let pool = pool.clone();
        async move { set.run(&pool).await }
    });
    let mut seen = None;
    for _ in 0..200 {
        let status = set.status(&pool).await.unwrap();
        if status[1].state != MigrationState::Pending {
            seen = Some(status[1].state);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(runner.await.unwrap().unwrap().applied.len(), 1);
    assert_eq!(seen, Some(MigrationState::Running));
    assert_eq!(
        set.status(&pool).await.unwrap()[1].state,
        MigrationState::Applied
    );
}
