//! In-memory SQLite databases: a private one is a different database on every connection, so a
//! pool that can open several is refused before anything is applied; a shared one, or a pool
//! of one connection, is migrated for every connection the application gets.

use crate::support::message;
use schema_runtime::{MigrateError, Migrations};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::str::FromStr;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");

async fn pool(url: &str, max_connections: u32) -> SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(SqliteConnectOptions::from_str(url).unwrap())
        .await
        .unwrap()
}

/// How many of `n` connections held at once see the `users` table the migrations create.
async fn connections_seeing_the_schema(pool: &SqlitePool, n: usize) -> usize {
    let mut held = Vec::new();
    let mut seeing = 0;
    for _ in 0..n {
        let mut conn = pool.acquire().await.unwrap();
        let found: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'users'")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        seeing += found as usize;
        held.push(conn);
    }
    seeing
}

#[tokio::test]
async fn a_private_in_memory_database_with_a_pool_of_several_connections_is_refused() {
    for url in [
        "sqlite:file::memory:",
        "sqlite:file:app?mode=memory&cache=private",
    ] {
        let pool = pool(url, 4).await;
        let err = BASIC.run(&pool).await.unwrap_err();
        let MigrateError::PrivateInMemory { max_connections } = err else {
            panic!("{url}: {err:?}");
        };
        assert_eq!(max_connections, 4);
        let message = message(&err);
        for fix in ["`sqlite::memory:`", "`max_connections(1)`", "cache=shared"] {
            assert!(message.contains(fix), "{message}");
        }
        assert!(
            BASIC.migrator().baseline(&pool, 10).await.is_err(),
            "{url}: baseline is refused too"
        );
    }
}

#[tokio::test]
async fn a_shared_in_memory_database_is_migrated_for_every_connection() {
    for url in [
        "sqlite::memory:",
        "sqlite:file:shared_app?mode=memory&cache=shared",
    ] {
        let pool = pool(url, 4).await;
        assert_eq!(BASIC.run(&pool).await.unwrap().applied.len(), 3, "{url}");
        assert_eq!(connections_seeing_the_schema(&pool, 4).await, 4, "{url}");
        assert!(BASIC.run(&pool).await.unwrap().applied.is_empty(), "{url}");
    }
}

#[tokio::test]
async fn a_private_in_memory_database_with_a_pool_of_one_connection_is_migrated() {
    let pool = pool("sqlite:file::memory:", 1).await;
    assert_eq!(BASIC.run(&pool).await.unwrap().applied.len(), 3);
    assert_eq!(connections_seeing_the_schema(&pool, 1).await, 1);
}
