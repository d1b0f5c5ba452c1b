//! The runtime against a real PostgreSQL server, started by `scripts/with-postgres` (which
//! `scripts/test` runs): apply at boot, integrity checks, advisory locking, many replicas at
//! once, failures, and faults (a killed connection, a restarted server, lock and statement
//! timeouts). Without the server these tests fail; they never pass by skipping.

use crate::support::message;
use crate::support::pg;
use crate::support::replicas;

use pg::{applied_versions, fixture, fresh, tables, through_pgbouncer, SERVER};
use replicas::{spawn_replicas, wait_all};
use schema_runtime::{EventKind, MigrateError};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use std::time::Duration;

#[tokio::test]
async fn tracking_tables_live_in_the_schema_named() {
    let (pool, _, _server) = fresh().await;
    sqlx::query("CREATE SCHEMA ops")
        .execute(&pool)
        .await
        .unwrap();
    let names = schema_runtime::TableNames {
        migrations: "ops.applied".into(),
        history: "ops.events".into(),
        modules: "ops.modules".into(),
    };
    fixture("basic")
        .migrator()
        .table_names(names.clone())
        .run(&pool)
        .await
        .unwrap();
    let ops: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'ops' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ops, ["applied", "events", "modules"]);
    assert_eq!(tables(&pool).await, ["posts", "users"]);
    assert!(
        fixture("basic")
            .migrator()
            .table_names(names)
            .run(&pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
}

#[tokio::test]
async fn the_lock_is_released_after_a_failed_run() {
    let (pool, _, _server) = fresh().await;
    fixture("failing_statement").run(&pool).await.unwrap_err();
    // Would time out if the failed run had left the advisory lock held.
    let report = fixture("basic")
        .migrator()
        .module("other")
        .lock_timeout(Duration::from_secs(2))
        .run(&pool)
        .await;
    assert!(report.is_ok(), "{report:?}");
    let err = fixture("failing_statement")
        .migrator()
        .lock_timeout(Duration::from_secs(2))
        .run(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::Failed { .. }),
        "the same module locks again: {err:?}"
    );
}

#[tokio::test]
async fn a_dropped_run_releases_the_lock() {
    let (pool, _, _server) = fresh().await;
    sqlx::query("CREATE TABLE slow_marker ()")
        .execute(&pool)
        .await
        .unwrap();
    let slow = fixture("pg_slow").run(&pool);
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), slow)
            .await
            .is_err(),
        "still sleeping"
    );
    sqlx::query("DROP TABLE slow_marker")
        .execute(&pool)
        .await
        .unwrap();
    let report = fixture("pg_slow")
        .migrator()
        .lock_timeout(Duration::from_secs(5))
        .run(&pool)
        .await
        .unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [2]
    );
}

#[tokio::test]
async fn a_waiting_run_times_out_naming_the_backend_that_holds_the_lock() {
    let (pool, _, _server) = fresh().await;
    sqlx::query("CREATE TABLE slow_marker ()")
        .execute(&pool)
        .await
        .unwrap();
    let holder_pool = pool.clone();
    let holder = tokio::spawn(async move { fixture("pg_slow").run(&holder_pool).await });
    // Wait until the holder is sleeping inside its migration.
    let holder_pid = loop {
        let pid: Option<i32> =
            sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE query LIKE '%PERFORM pg_sleep%' AND state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()")
                .fetch_optional(&pool)
                .await
                .unwrap();
        if let Some(pid) = pid {
            break pid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let err = fixture("pg_slow")
        .migrator()
        .lock_timeout(Duration::from_millis(500))
        .run(&pool)
        .await
        .unwrap_err();
    let MigrateError::LockTimeout { holder: who, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        who.contains(&format!("backend process {holder_pid}")),
        "{who}"
    );

    // Killing the migrating connection: a clear error, no applied row, and the next run works.
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(holder_pid)
        .execute(&pool)
        .await
        .unwrap();
    let err = holder.await.unwrap().unwrap_err();
    let message = message(&err);
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message.contains("terminated"), "{message}");
    assert_eq!(applied_versions(&pool).await, [(1, "applied".to_owned())]);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        jobs, 0,
        "the interrupted migration's insert was rolled back"
    );
    sqlx::query("DROP TABLE slow_marker")
        .execute(&pool)
        .await
        .unwrap();
    let report = fixture("pg_slow").run(&pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
}

#[tokio::test]
async fn statement_and_table_lock_timeouts_stop_a_blocked_migration_and_say_so() {
    let (pool, url, _server) = fresh().await;
    fixture("basic").run(&pool).await.unwrap();
    // Another session holds a lock on `posts`, which migration 40 needs for its foreign key.
    let mut other = PgConnection::connect(&url).await.unwrap();
    other
        .execute("BEGIN; LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let err = fixture("basic_plus")
        .migrator()
        .table_lock_timeout(Duration::from_millis(200))
        .run(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::Failed { version: 40, .. }),
        "{err:?}"
    );
    assert!(
        message(&err).contains("table lock timeout (200ms)"),
        "{err}"
    );
    let err = fixture("basic_plus")
        .migrator()
        .statement_timeout(Duration::from_millis(300))
        .run(&pool)
        .await
        .unwrap_err();
    assert!(message(&err).contains("statement timeout (300ms)"), "{err}");
    other.execute("ROLLBACK").await.unwrap();
    assert_eq!(
        fixture("basic_plus")
            .run(&pool)
            .await
            .unwrap()
            .applied
            .len(),
        1
    );
}

#[tokio::test]
async fn timeouts_set_on_the_database_are_blamed_on_its_settings_not_on_a_zero_limit() {
    let (pool, url, _server) = fresh().await;
    fixture("basic").run(&pool).await.unwrap();
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut other = PgConnection::connect(&url).await.unwrap();
    other
        .execute("BEGIN; LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    // Set by an operator on the database, not by the migrator: new sessions get them.
    for (setting, said) in [
        (
            "lock_timeout",
            "the `lock_timeout` of the server, database or role",
        ),
        (
            "statement_timeout",
            "the `statement_timeout` of the server, database or role",
        ),
    ] {
        sqlx::raw_sql(&format!(
            "ALTER DATABASE {name} RESET ALL; ALTER DATABASE {name} SET {setting} = '200ms'"
        ))
        .execute(&pool)
        .await
        .unwrap();
        let fresh_pool = PgPool::connect(&url).await.unwrap();
        let err = fixture("basic_plus").run(&fresh_pool).await.unwrap_err();
        assert!(
            matches!(err, MigrateError::Failed { version: 40, .. }),
            "{err:?}"
        );
        let message = message(&err);
        assert!(!message.contains("0ns"), "{message}");
        assert!(message.contains(said), "{message}");
        assert!(message.contains("this run set none"), "{message}");
        fresh_pool.close().await;
    }
    other.execute("ROLLBACK").await.unwrap();
}

#[tokio::test]
async fn the_next_run_works_after_the_server_restarts() {
    let (pool, _, server) = fresh().await;
    fixture("basic").run(&pool).await.unwrap();
    let restart = std::env::var("SCHEMA_TEST_PG_RESTART")
        .expect("SCHEMA_TEST_PG_RESTART is set by scripts/with-postgres");
    // The other tests share the server: this one waits until it has it to itself.
    drop(server);
    let _alone = SERVER.write().await;
    let status = std::process::Command::new(&restart).status().unwrap();
    assert!(status.success());
    let report = fixture("basic_plus").run(&pool).await.unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [40]
    );
}

#[tokio::test]
async fn a_failed_no_transaction_migration_is_refused_until_repaired() {
    let (pool, _, _server) = fresh().await;
    let err = fixture("pg_no_tx_failing").run(&pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 2,
                line: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message(&err).contains("recorded as failed"), "{err}");
    let err = fixture("pg_no_tx_failing").run(&pool).await.unwrap_err();
    let MigrateError::Dirty {
        version: 2,
        progress,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(progress, "1 of 2 statements ran");
    assert!(message(&err).contains("repair(2)"), "{err}");
    // The fix by hand: remove the duplicate, drop the invalid index, build it.
    sqlx::raw_sql(
        "DELETE FROM users WHERE id = 3; DROP INDEX users_email_key; CREATE UNIQUE INDEX users_email_key ON users (email);",
    )
    .execute(&pool)
    .await
    .unwrap();
    fixture("pg_no_tx_failing")
        .migrator()
        .repair(&pool, 2)
        .await
        .unwrap();
    assert!(
        fixture("pg_no_tx_failing")
            .run(&pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
    let events: Vec<EventKind> = fixture("pg_no_tx_failing")
        .history(&pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Apply, EventKind::Failure, EventKind::Repair]
    );
}

#[tokio::test]
async fn replicas_waiting_for_the_lock_do_not_deadlock_create_index_concurrently() {
    let (pool, url, _server) = fresh().await;
    let applied = wait_all(spawn_replicas(&url, "concurrently", 4, &[]));
    assert_eq!(applied.len(), 3, "{applied:?}");
    let valid: bool = sqlx::query_scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_kind_idx'::regclass",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(valid);
}

#[tokio::test]
async fn behind_a_transaction_pooling_proxy_eight_replicas_apply_each_migration_once() {
    let (pool, url, _server) = fresh().await;
    let mut applied = wait_all(spawn_replicas(
        through_pgbouncer(&url),
        "fifty",
        8,
        &["120000", "transaction"],
    ));
    applied.sort();
    let total = applied.len();
    applied.dedup();
    assert_eq!(
        (total, applied.len()),
        (50, 50),
        "every migration applied by exactly one replica"
    );
    let applies: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _schema_history WHERE event = 'apply'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(applies, 50);
    // The module state kept up with the replicas: a boot now stops at its first query.
    assert!(
        fixture("fifty")
            .run(&pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
}

#[tokio::test]
async fn behind_a_transaction_pooling_proxy_replicas_share_a_no_transaction_migration() {
    let (pool, url, _server) = fresh().await;
    let applied = wait_all(spawn_replicas(
        through_pgbouncer(&url),
        "concurrently",
        4,
        &["120000", "transaction"],
    ));
    let mut sorted = applied.clone();
    sorted.sort();
    assert_eq!(sorted, ["1", "2", "3"], "{applied:?}");
    let valid: bool = sqlx::query_scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_kind_idx'::regclass",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(valid);
    assert!(
        fixture("concurrently")
            .run(&pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
}
