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

/// The file's bytes and the names of the files beside it (journal, WAL, lock), once no WAL or
/// shared-memory file is left beside it, or after 5 s: a connection sqlx closes in the
/// background (one dropped rather than closed) removes them a moment after the call that used
/// it returned, and a snapshot taken in that moment listed files the next one did not.
pub fn snapshot(path: &Path) -> (Vec<u8>, Vec<String>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut beside: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        beside.sort();
        let open = beside
            .iter()
            .any(|name| name.ends_with("-wal") || name.ends_with("-shm"));
        if !open || std::time::Instant::now() > deadline {
            return (std::fs::read(path).unwrap(), beside);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub async fn tables(pool: &SqlitePool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}
