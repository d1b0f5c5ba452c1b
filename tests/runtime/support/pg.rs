//! What the PostgreSQL tests share: the server `scripts/with-postgres` started, a database of
//! their own per test, and the fixture sets loaded at run time.

use schema_runtime::Migrations;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

pub fn server_url() -> String {
    std::env::var("SCHEMA_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("SCHEMA_TEST_DATABASE_URL is not set: run the tests with `scripts/test`, which starts PostgreSQL")
    })
}

/// A fixture set, loaded once per process with the checks the macro makes.
pub fn fixture(name: &str) -> &'static Migrations {
    static SETS: OnceLock<Mutex<HashMap<String, &'static Migrations>>> = OnceLock::new();
    let mut sets = SETS.get_or_init(Default::default).lock().unwrap();
    sets.entry(name.to_owned()).or_insert_with(|| {
        let loaded = Migrations::load(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &format!("tests/fixtures/{name}"),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        Box::leak(Box::new(loaded))
    })
}

/// Tests share one server; the one that restarts it has it to itself.
pub static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// A database of its own for one test, and the URL to reach it.
pub async fn fresh() -> (PgPool, String, tokio::sync::RwLockReadGuard<'static, ()>) {
    let guard = SERVER.read().await;
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let server = server_url();
    let mut admin = PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test server at {server}: {e}"));
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .unwrap();
    (pool, url, guard)
}

/// A database of its own for one test, held with the server's guard.
pub struct Db {
    /// A pool of up to four connections to the database.
    pub pool: PgPool,
    /// The URL that reaches the database.
    pub url: String,
    _server: tokio::sync::RwLockReadGuard<'static, ()>,
}

impl Db {
    /// A new, empty database on the test server.
    pub async fn fresh() -> Db {
        let (pool, url, server) = fresh().await;
        Db {
            pool,
            url,
            _server: server,
        }
    }
}

/// The tables of the `public` schema, sorted.
pub async fn tables(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The rows of the default tracking table: version and status, by version.
pub async fn applied_versions(pool: &PgPool) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT version, status FROM _schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The URL of the test's database through PgBouncer in transaction pooling mode.
pub fn through_pgbouncer(url: &str) -> String {
    let bouncer = std::env::var("SCHEMA_TEST_PGBOUNCER_URL")
        .expect("SCHEMA_TEST_PGBOUNCER_URL is set by scripts/with-postgres");
    let database = url.rsplit_once('/').unwrap().1;
    format!("{}/{database}", bouncer.rsplit_once('/').unwrap().0)
}
