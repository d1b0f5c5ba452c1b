//! Encrypted files made for the tests, and what they hold.

use schema_runtime::sqlcipher::{Encryption, Key};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn encryption(passphrase: &str) -> Encryption {
    Encryption::new(Key::passphrase(passphrase).unwrap())
}

/// A new file path in a folder of its own, kept as long as the returned folder.
pub fn new_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.db");
    (dir, path)
}

pub fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(30))
}

pub async fn open(path: &Path, encryption: &Encryption) -> SqlitePool {
    encryption
        .open(options(path), SqlitePoolOptions::new().max_connections(4))
        .await
        .unwrap()
}

/// The file's bytes and the names of the files beside it (journal, WAL, lock).
pub fn snapshot(path: &Path) -> (Vec<u8>, Vec<String>) {
    let mut beside: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    (std::fs::read(path).unwrap(), beside)
}

pub async fn tables(pool: &SqlitePool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}
