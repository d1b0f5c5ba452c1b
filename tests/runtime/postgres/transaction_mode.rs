//! `LockMode::Transaction` on a real PostgreSQL server (started by `scripts/with-postgres`),
//! where behind a transaction-pooling proxy a server connection serves other clients as soon
//! as a transaction ends: a migration's settings are set back before its commit, a cancelled
//! run never hands back a connection inside a file's own transaction, and an interrupted row
//! is refused at once by `resume` (issue 14, item 2, second review).

use crate::support::folders;
use crate::support::message;
use crate::support::pg;

use folders::files;
use pg::{fresh, through_pgbouncer};
use schema_runtime::{LockMode, MigrateError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Executor;
use std::str::FromStr;
use std::time::Duration;

/// A pool of one connection to the test's database through PgBouncer.
async fn bounced(url: &str) -> PgPool {
    let options = PgConnectOptions::from_str(&through_pgbouncer(url))
        .unwrap()
        .statement_cache_capacity(0);
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap()
}

/// A pool of one connection to `url` whose connections run `hook` when they open.
async fn hooked(url: &str, hook: &'static str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(hook).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_custom_setting_is_reset_before_the_server_connection_serves_others() {
    let (_pool, url, _server) = fresh().await;
    let pool = bounced(&url).await;
    let (_dir, set) = files(&[(
        "1_bypass.sql",
        "SET app.bypass_rls = 'on';\nCREATE TABLE a (id INT);",
    )]);
    let report = set
        .migrator()
        .lock_mode(LockMode::Transaction)
        .run(&pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    drop(pool);
    let other = bounced(&url).await;
    for _ in 0..5 {
        let value: Option<String> =
            sqlx::query_scalar("SELECT current_setting('app.bypass_rls', true)")
                .persistent(false)
                .fetch_one(&other)
                .await
                .unwrap();
        assert_eq!(value.unwrap_or_default(), "");
    }
}

#[tokio::test]
async fn a_custom_setting_the_pool_set_is_kept_and_one_a_migration_changed_set_back() {
    let (_pool, url, _server) = fresh().await;
    let pool = hooked(&url, "SET app.tenant = 'acme'").await;
    let pid = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = pid(pool.clone()).await;
    let (_dir, set) = files(&[(
        "1_tenant.sql",
        "SET app.tenant = 'other';\nCREATE TABLE a (id INT);",
    )]);
    set.migrator()
        .lock_mode(LockMode::Transaction)
        .run(&pool)
        .await
        .unwrap();
    let tenant: String = sqlx::query_scalar("SELECT current_setting('app.tenant')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tenant, "acme");
    // Set back, not closed: the pool's connection is the one it lent.
    assert_eq!(pid(pool).await, before);
}

/// The roles of the next test: `app_user`, unprivileged, owns the database's `public` schema.
async fn unprivileged_role(admin: &PgPool) {
    admin
        .execute(
            "DO $$ BEGIN CREATE ROLE app_user NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT ALL ON SCHEMA public TO app_user",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_superuser_setting_is_set_back_when_the_lent_role_is_unprivileged() {
    for mode in [LockMode::Transaction, LockMode::Session] {
        let (admin, url, _server) = fresh().await;
        unprivileged_role(&admin).await;
        let pool = hooked(&url, "SET ROLE app_user").await;
        let before: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (_dir, set) = files(&[(
            "1_replica.sql",
            "RESET ROLE;\nSET session_replication_role = replica;\nCREATE TABLE a (id INT);",
        )]);
        set.migrator().lock_mode(mode).run(&pool).await.unwrap();
        let after: (String, String, i32) = sqlx::query_as(
            "SELECT current_setting('session_replication_role'), current_user::text, pg_backend_pid()",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            after,
            ("origin".to_owned(), "app_user".to_owned(), before),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn a_cancelled_run_never_hands_back_a_connection_inside_the_files_transaction() {
    let (_pool, url, _server) = fresh().await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let (_dir, set) = files(&[(
        "1_slow.sql",
        "-- no-transaction\nBEGIN;\nCREATE TABLE a1 (id INT);\nSELECT pg_sleep(2);\nCOMMIT;",
    )]);
    let migrator = set.migrator().lock_mode(LockMode::Transaction);
    let run = tokio::time::timeout(Duration::from_millis(700), migrator.run(&pool)).await;
    assert!(run.is_err(), "the run ended before the timeout: {run:?}");
    let mut conn = pool.acquire().await.unwrap();
    // Outside a transaction block a savepoint is refused.
    assert!(conn.execute("SAVEPOINT probe").await.is_err());
    let a1: Option<String> = sqlx::query_scalar("SELECT to_regclass('a1')::text")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(a1, None);
}

#[tokio::test]
async fn resume_of_an_interrupted_row_in_transaction_mode_is_refused_at_once() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = files(&[(
        "1_index.sql",
        "-- no-transaction\nCREATE TABLE b (id INT);\nCREATE INDEX CONCURRENTLY b_id ON b (id);",
    )]);
    let migrator = set
        .migrator()
        .lock_mode(LockMode::Transaction)
        .lock_timeout(Duration::from_secs(30));
    migrator.run(&pool).await.unwrap();
    // As a process that died part-way leaves it.
    pool.execute("UPDATE _schema_migrations SET status = 'running', statements_done = 1")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = migrator.resume(&pool).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{error}");
    assert!(
        matches!(error, MigrateError::NotResumable { .. }),
        "{error:?}"
    );
    let message = message(&error);
    assert!(message.contains("recorded as running"), "{message}");
    assert!(message.contains("LockMode::Session"), "{message}");
}

#[tokio::test]
async fn a_changed_repeatable_migration_is_applied_again_in_transaction_lock_mode() {
    // Each transaction re-checks under the lock whether another process applied a migration
    // meanwhile; a repeatable migration's row of its last apply is not that.
    let (pool, _url, _server) = fresh().await;
    let view =
        |n: i64| format!("DROP VIEW IF EXISTS answer;\nCREATE VIEW answer AS SELECT {n} AS n;\n");
    let (_one, first) = files(&[
        ("V1__a.sql", "CREATE TABLE a (id INT);"),
        ("R__answer.sql", &view(41)),
    ]);
    let (_two, second) = files(&[
        ("V1__a.sql", "CREATE TABLE a (id INT);"),
        ("R__answer.sql", &view(42)),
    ]);
    for (set, expected) in [(&first, 2), (&second, 1)] {
        let report = set
            .migrator()
            .lock_mode(LockMode::Transaction)
            .run(&pool)
            .await
            .unwrap();
        assert_eq!(report.applied.len(), expected, "{report:?}");
    }
    let n: i32 = sqlx::query_scalar("SELECT n FROM answer")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 42);
}

#[tokio::test]
async fn behind_a_transaction_pooling_proxy_six_boots_adopt_an_sqlx_history_once() {
    let db = pg::Db::fresh().await;
    crate::adopt::sqlx_migrated(&db).await;
    let outputs = crate::support::replicas::wait_each(crate::support::replicas::spawn_replicas(
        through_pgbouncer(&db.url),
        "adopt",
        6,
        &["120000", "transaction"],
    ));
    crate::adopt::adopted_once_by_one_boot(&db, outputs).await;
}
