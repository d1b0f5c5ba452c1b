//! The runtime on encrypted files as on plain ones: migrations, reverts, concurrent boots
//! and the lock, rekeying, a per-test encrypted database.

use crate::support::{encryption, new_file, open, options, tables, PASSPHRASE};
use schema_runtime::sqlcipher::{EncryptionError, Key};
use schema_runtime::testing::TestOptions;
use std::collections::HashMap;
use std::process::{Command, Stdio};

static REVERSIBLE: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/reversible");
static BASIC: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic");

#[tokio::test]
async fn migrations_and_reverts_work_on_an_encrypted_file() {
    let (_dir, path) = new_file();
    let pool = open(&path, &encryption(PASSPHRASE)).await;
    let report = REVERSIBLE.run(&pool).await.unwrap();
    let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, [1, 2, 3]);
    // The second boot has nothing to do.
    assert!(REVERSIBLE.run(&pool).await.unwrap().applied.is_empty());
    let created = tables(&pool).await;
    assert!(created.contains(&"authors".to_owned()), "{created:?}");
    REVERSIBLE.migrator().revert_to(&pool, 0).await.unwrap();
    assert_eq!(tables(&pool).await, Vec::<String>::new());
    REVERSIBLE.run(&pool).await.unwrap();
    assert_eq!(tables(&pool).await, created);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM _schema_history")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(history >= 3 * applied.len() as i64, "{history}");
    pool.close().await;
    // Still encrypted after all that: the file's header is not plain SQLite's.
    assert!(!schema_runtime::sqlcipher::is_plain_sqlite(&path).unwrap());
    // Another process's view: reopened with the key, the state is there.
    let pool = open(&path, &encryption(PASSPHRASE)).await;
    let status = REVERSIBLE.status(&pool).await.unwrap();
    assert!(!status.is_empty());
    pool.close().await;
}

#[test]
fn concurrent_boots_apply_each_migration_once_under_the_lock() {
    let (_dir, path) = new_file();
    let children: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_fixture-migrator"))
                .arg(&path)
                .arg("fifty")
                .env("SCHEMA_TEST_SQLITE_PASSPHRASE", PASSPHRASE)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied: HashMap<i64, usize> = HashMap::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for line in stdout.lines() {
            if let Some(version) = line.strip_prefix("applied ") {
                *applied.entry(version.parse().unwrap()).or_default() += 1;
            }
        }
    }
    assert_eq!(applied.len(), 50, "{applied:?}");
    assert!(applied.values().all(|n| *n == 1), "{applied:?}");
    // The lock file beside the database, as for a plain file.
    let mut lock = path.as_os_str().to_owned();
    lock.push("-schema-lock");
    assert!(std::path::Path::new(&lock).exists());
    assert!(!schema_runtime::sqlcipher::is_plain_sqlite(&path).unwrap());
    let rows = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = open(&path, &encryption(PASSPHRASE)).await;
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM _schema_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    });
    assert_eq!(rows, 50);
}

#[tokio::test]
async fn rekey_keeps_the_data_and_the_old_key_no_longer_opens_it() {
    let (_dir, path) = new_file();
    let old = encryption(PASSPHRASE);
    let pool = open(&path, &old).await;
    BASIC.run(&pool).await.unwrap();
    for i in 0..100 {
        sqlx::query("INSERT INTO users (email) VALUES (?)")
            .bind(format!("user{i}@example.com"))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let new = old
        .rekey(&options(&path), Key::from_hex(&"5a".repeat(32)).unwrap())
        .await
        .unwrap();
    assert!(new.key().is_raw());
    let err = old.check(&options(&path)).await.unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    let pool = open(&path, &new).await;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 100);
    assert!(BASIC.run(&pool).await.unwrap().applied.is_empty());
    pool.close().await;
    // A wrong current key rekeys nothing.
    let err = old
        .rekey(&options(&path), Key::passphrase("third").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    let pool = open(&path, &new).await;
    pool.close().await;
}

#[tokio::test]
async fn a_test_database_can_be_encrypted() {
    let db = TestOptions::new(&BASIC)
        .encrypted(encryption(PASSPHRASE))
        .sqlite()
        .await
        .unwrap();
    let path = std::path::PathBuf::from(db.name());
    assert!(!schema_runtime::sqlcipher::is_plain_sqlite(&path).unwrap());
    sqlx::query("INSERT INTO users (email) VALUES ('t@example.com')")
        .execute(&*db)
        .await
        .unwrap();
    assert_eq!(tables(&db).await, ["posts", "users"]);
    assert!(BASIC.run(&*db).await.unwrap().applied.is_empty());
    // A wrong key does not open the test's file.
    let err = encryption("wrong")
        .check(&options(&path))
        .await
        .unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    db.close().await.unwrap();
    assert!(!path.exists());
}
