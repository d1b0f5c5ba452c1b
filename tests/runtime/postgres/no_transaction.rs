//! `-- no-transaction` files in the lifecycle on the real PostgreSQL server: a down file that
//! drops an index concurrently, and `status` while another run applies such a file.

use crate::support::folders;
use crate::support::pg;

use pg::fresh;
use schema_runtime::{EventKind, MigrationState};

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
