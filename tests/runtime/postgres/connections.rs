//! The connections a run uses on a real PostgreSQL server (started by `scripts/with-postgres`):
//! they come from the application's pool with its `after_connect` hooks, go back to it with the
//! settings they were lent with, a pool of one connection is enough, and runs of several
//! modules on a new database create the tracking tables once (issue 14, items 2, 3, 4 and 9).

use crate::support::folders;
use crate::support::pg;

use folders::files;
use pg::{fresh, through_pgbouncer};
use schema_runtime::{LockMode, Migrations};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection};

/// A pool of one connection on `url`, so that what a test reads is the connection the run used.
async fn one_connection(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

/// Parent and child tables, created by a migration that turns foreign keys off for its
/// session first.
fn replica_role_set() -> (tempfile::TempDir, Migrations) {
    files(&[(
        "1_replica.sql",
        "SET session_replication_role = replica;
         CREATE TABLE parent (id INT PRIMARY KEY);
         CREATE TABLE child (parent_id INT NOT NULL REFERENCES parent (id));",
    )])
}

/// What a connection of `pool` says about foreign keys: `session_replication_role`, and whether
/// an orphan row is refused.
async fn foreign_keys_enforced(pool: &PgPool) -> (String, bool) {
    let role: String = sqlx::query_scalar("SELECT current_setting('session_replication_role')")
        .fetch_one(pool)
        .await
        .unwrap();
    let orphan = sqlx::query("INSERT INTO child VALUES (42)")
        .execute(pool)
        .await;
    (role, orphan.is_err())
}

/// Runs `set` on a new database in each lock mode, through a pool of one connection, and
/// checks that the connection enforces foreign keys afterwards.
async fn leaves_foreign_keys_on(set: &Migrations) {
    for mode in [LockMode::Transaction, LockMode::Session] {
        let (_pool, url, _server) = fresh().await;
        let pool = one_connection(&url).await;
        set.migrator().lock_mode(mode).run(&pool).await.unwrap();
        assert_eq!(
            foreign_keys_enforced(&pool).await,
            ("origin".to_owned(), true),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn a_migration_setting_the_replication_role_leaves_foreign_keys_on() {
    let (_dir, set) = replica_role_set();
    leaves_foreign_keys_on(&set).await;
}

#[tokio::test]
async fn a_setting_changed_by_a_function_the_migration_calls_is_set_back_too() {
    // The second file's text names no `SET` and no `set_config`: on the run's own session it
    // is not compared on its own, and the hand-back's comparison sets the role back.
    let (_dir, set) = files(&[
        (
            "1_tables.sql",
            "CREATE TABLE parent (id INT PRIMARY KEY);
             CREATE TABLE child (parent_id INT NOT NULL REFERENCES parent (id));
             CREATE FUNCTION replicate() RETURNS text LANGUAGE sql
                 AS $$ SELECT set_config('session_replication_role', 'replica', false) $$;",
        ),
        ("2_call.sql", "SELECT replicate();"),
    ]);
    leaves_foreign_keys_on(&set).await;
}

#[tokio::test]
async fn a_no_transaction_migration_setting_the_replication_role_leaves_foreign_keys_on() {
    let (_dir, set) = files(&[
        (
            "1_tables.sql",
            "CREATE TABLE parent (id INT PRIMARY KEY);
             CREATE TABLE child (parent_id INT NOT NULL REFERENCES parent (id));",
        ),
        (
            "2_replica.sql",
            "-- no-transaction\nSET session_replication_role = replica;\nCREATE INDEX CONCURRENTLY child_parent ON child (parent_id);",
        ),
    ]);
    leaves_foreign_keys_on(&set).await;
}

#[tokio::test]
async fn behind_a_transaction_pooling_proxy_the_server_connection_is_set_back() {
    let (_pool, url, _server) = fresh().await;
    let address = through_pgbouncer(&url);
    let bounced = || {
        PgPoolOptions::new().max_connections(1).connect_with(
            <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&address)
                .unwrap()
                .statement_cache_capacity(0),
        )
    };
    let pool = bounced().await.unwrap();
    let (_dir, set) = replica_role_set();
    set.migrator()
        .lock_mode(LockMode::Transaction)
        .run(&pool)
        .await
        .unwrap();
    drop(pool);
    // Another client of the proxy gets the server connection the migration ran on.
    let other = bounced().await.unwrap();
    for _ in 0..5 {
        // One message of the simple protocol: with the extended one, the proxy may hand the
        // bind to another server connection than the parse when other clients are busy.
        let row = sqlx::raw_sql("SELECT current_setting('session_replication_role')")
            .fetch_one(&other)
            .await
            .unwrap();
        let role: String = sqlx::Row::get(&row, 0);
        assert_eq!(role, "origin");
    }
}

#[tokio::test]
async fn each_migration_starts_from_the_settings_the_connection_was_lent_with() {
    let (pool, _, _server) = fresh().await;
    pool.execute("CREATE SCHEMA other").await.unwrap();
    let (_dir, set) = files(&[
        (
            "1_elsewhere.sql",
            "SET search_path TO other;\nCREATE TABLE a (id INT);",
        ),
        ("2_here.sql", "CREATE TABLE b (id INT);"),
    ]);
    set.run(&pool).await.unwrap();
    assert_eq!(
        tables_by_schema(&pool).await,
        [
            ("other", "a"),
            ("public", "_schema_history"),
            ("public", "_schema_migrations"),
            ("public", "_schema_modules"),
            ("public", "b"),
        ]
        .map(|(s, t)| (s.to_owned(), t.to_owned()))
    );
    assert!(set.run(&pool).await.unwrap().up_to_date_at_boot);
}

/// Every table outside the system schemas, as (schema, table), sorted.
async fn tables_by_schema(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT schemaname::text, tablename::text FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A pool whose connections start with `SET search_path TO app`.
async fn pool_in_app_schema(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET search_path TO app").await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrates_in_the_schema_the_pools_hook_sets() {
    let (admin, url, _server) = fresh().await;
    admin.execute("CREATE SCHEMA app").await.unwrap();
    let pool = pool_in_app_schema(&url).await;
    let (_dir, set) = files(&[("1_widgets.sql", "CREATE TABLE widgets (id INT);")]);
    let first = set.run(&pool).await.unwrap();
    assert_eq!(first.applied.len(), 1);
    assert_eq!(
        tables_by_schema(&admin).await,
        [
            "_schema_history",
            "_schema_migrations",
            "_schema_modules",
            "widgets"
        ]
        .map(|t| ("app".to_owned(), t.to_owned()))
    );
    let second = set.run(&pool).await.unwrap();
    assert!(second.up_to_date_at_boot, "{second:?}");
    // The application sees the table through its pool.
    sqlx::query("SELECT id FROM widgets")
        .fetch_all(&pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_migration_changing_the_search_path_does_not_hide_the_tracking_tables() {
    let (admin, url, _server) = fresh().await;
    admin
        .execute("CREATE SCHEMA app; CREATE SCHEMA other")
        .await
        .unwrap();
    let pool = pool_in_app_schema(&url).await;
    let (_dir, set) = files(&[
        (
            "1_other.sql",
            "SET search_path TO other;\nCREATE TABLE gadgets (id INT);",
        ),
        ("2_widgets.sql", "CREATE TABLE widgets (id INT);"),
    ]);
    for mode in [LockMode::Session, LockMode::Transaction] {
        let report = set.migrator().lock_mode(mode).run(&pool).await.unwrap();
        assert!(
            report.applied.len() == 2 || report.up_to_date_at_boot,
            "{mode:?}: {report:?}"
        );
        let tables = tables_by_schema(&admin).await;
        assert_eq!(
            tables,
            [
                ("app", "_schema_history"),
                ("app", "_schema_migrations"),
                ("app", "_schema_modules"),
                ("app", "widgets"),
                ("other", "gadgets"),
            ]
            .map(|(s, t)| (s.to_owned(), t.to_owned())),
            "{mode:?}"
        );
    }
    assert_eq!(set.status(&pool).await.unwrap().len(), 2);
}

#[tokio::test]
async fn modules_racing_on_a_new_database_all_create_their_tables() {
    const ROUNDS: usize = 20;
    const MODULES: usize = 4;
    let (_dir, set) = files(&[("1_t.sql", "SELECT 1;")]);
    let set: &'static Migrations = Box::leak(Box::new(set));
    for round in 0..ROUNDS {
        let (_pool, url, _server) = fresh().await;
        let mut pools = Vec::new();
        for _ in 0..MODULES {
            pools.push(one_connection(&url).await);
        }
        let runs: Vec<_> = pools
            .into_iter()
            .enumerate()
            .map(|(i, pool)| {
                tokio::spawn(
                    async move { set.migrator().module(format!("module{i}")).run(&pool).await },
                )
            })
            .collect();
        for run in runs {
            if let Err(e) = run.await.unwrap() {
                panic!("round {round}: {e}");
            }
        }
    }
}

#[tokio::test]
async fn a_role_limited_to_one_connection_migrates_through_a_pool_of_one() {
    let (admin, url, _server) = fresh().await;
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&admin)
        .await
        .unwrap();
    let role = format!("{database}_one");
    let mut conn = PgConnection::connect(&url).await.unwrap();
    conn.execute(format!("CREATE ROLE {role} WITH LOGIN CONNECTION LIMIT 1; ALTER DATABASE {database} OWNER TO {role}").as_str())
        .await
        .unwrap();
    conn.close().await.unwrap();
    admin.close().await;
    let limited_url = url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(
        limited_url, url,
        "the test server's URL names the user `postgres`"
    );
    let pool = one_connection(&limited_url).await;
    let (_dir, set) = files(&[
        ("1_a.sql", "CREATE TABLE a (id INT);"),
        (
            "2_b.sql",
            "-- no-transaction\nCREATE TABLE b (id INT);\nCREATE INDEX CONCURRENTLY b_id ON b (id);",
        ),
    ]);
    let migrator = set
        .migrator()
        .lock_timeout(std::time::Duration::from_secs(5));
    let first = migrator.run(&pool).await.unwrap();
    assert_eq!(first.applied.len(), 2);
    let second = migrator.clone().always_validate().run(&pool).await.unwrap();
    assert_eq!(second.already_applied, 2);
    assert_eq!(migrator.status(&pool).await.unwrap().len(), 2);
    assert_eq!(migrator.history(&pool).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_connection_left_with_a_temporary_table_is_not_handed_back() {
    // A temporary table comes first in the search path: left on a pooled connection, the
    // application's `accounts` would be it.
    let (_dir, set) = files(&[(
        "1_accounts.sql",
        "CREATE TABLE accounts (id INT);
         CREATE TEMP TABLE accounts AS SELECT 1 AS id, 'scratch' AS note;",
    )]);
    let (_pool, url, _server) = fresh().await;
    let pool = one_connection(&url).await;
    set.run(&pool).await.unwrap();
    let temporary: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(temporary, 0);
}

#[tokio::test]
async fn a_no_transaction_file_calling_a_procedure_that_commits_applies() {
    let (_dir, set) = files(&[
        (
            "1_procedure.sql",
            "CREATE TABLE filled (n INT);
             CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$
             BEGIN
                 INSERT INTO filled VALUES (1);
                 COMMIT;
                 INSERT INTO filled VALUES (2);
                 COMMIT;
             END $$;",
        ),
        ("2_fill.sql", "-- no-transaction\nCALL fill();"),
    ]);
    let (pool, _, _server) = fresh().await;
    let report = set.run(&pool).await.unwrap();
    assert_eq!(report.applied.len(), 2, "{report:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM filled")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}
