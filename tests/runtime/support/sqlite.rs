//! What the SQLite tests share: a database file of their own in a temporary folder.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// The tracking tables a run creates under the default names, in name order.
pub const TRACKING: [&str; 3] = ["_schema_history", "_schema_migrations", "_schema_modules"];

/// The tracking tables and `others`, in name order: what `tables` lists after a run.
pub fn with_tracking(others: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = TRACKING
        .iter()
        .chain(others)
        .map(|s| s.to_string())
        .collect();
    names.sort();
    names
}

pub struct Db {
    _dir: TempDir,
    pub path: PathBuf,
    pub pool: SqlitePool,
}

pub async fn open(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .unwrap()
}

pub async fn fresh() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let pool = open(&path).await;
    Db {
        _dir: dir,
        path,
        pool,
    }
}

pub async fn tables(pool: &SqlitePool) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap()
}

pub async fn applied_versions(pool: &SqlitePool) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT version, status FROM _schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
}
