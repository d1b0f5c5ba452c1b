//! What an encrypted file is, and each way of opening it wrongly: refused with its own
//! error, the file's bytes unchanged and nothing created beside it.

use crate::support::{encryption, new_file, open, options, snapshot, PASSPHRASE};
use schema_runtime::sqlcipher::{
    check_plain, derive_key, is_plain_sqlite, open_plain, CipherSettings, Encryption,
    EncryptionError, Key,
};
use sqlx::sqlite::SqlitePoolOptions;

static BASIC: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic");

/// An encrypted file with the `basic` set applied, closed.
async fn migrated(encryption: &Encryption) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path) = new_file();
    let pool = open(&path, encryption).await;
    BASIC.run(&pool).await.unwrap();
    sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    (dir, path)
}

#[tokio::test]
async fn encrypted_file_has_no_plain_header_and_plain_sqlite_cannot_read_it() {
    let (_dir, path) = migrated(&encryption(PASSPHRASE)).await;
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "{} bytes", bytes.len());
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    assert!(!is_plain_sqlite(&path).unwrap());
    // A connection without the key reads nothing: SQLite says it is not a database.
    let plain = SqlitePoolOptions::new()
        .connect_with(options(&path))
        .await
        .unwrap();
    let err = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
        .fetch_one(&plain)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().unwrap().code().as_deref(),
        Some("26")
    );
    plain.close().await;
    // The right key reads it back.
    let pool = open(&path, &encryption(PASSPHRASE)).await;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(emails, ["a@example.com"]);
    pool.close().await;
}

#[tokio::test]
async fn wrong_key_is_refused_and_nothing_written() {
    let (_dir, path) = migrated(&encryption(PASSPHRASE)).await;
    let before = snapshot(&path);
    let err = encryption("not the passphrase")
        .open(options(&path), SqlitePoolOptions::new())
        .await
        .unwrap_err();
    let EncryptionError::WrongKey {
        path: named,
        settings_version,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(named, &path);
    assert_eq!(*settings_version, Some(4));
    let message = err.to_string();
    assert!(message.contains("the key does not open"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!message.contains("not the passphrase"), "{message}");
    assert!(!format!("{err:?}").contains("not the passphrase"));
    assert_eq!(snapshot(&path), before);
    // A raw key that is not this file's, too.
    let raw = Encryption::new(Key::from_hex(&"ab".repeat(32)).unwrap());
    let err = raw.check(&options(&path)).await.unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    assert_eq!(snapshot(&path), before);
}

#[tokio::test]
async fn plain_file_opened_with_a_key_is_refused_and_nothing_written() {
    let (_dir, path) = new_file();
    let plain = open_plain(options(&path), SqlitePoolOptions::new())
        .await
        .unwrap();
    BASIC.run(&plain).await.unwrap();
    plain.close().await;
    assert!(is_plain_sqlite(&path).unwrap());
    let before = snapshot(&path);
    let err = encryption(PASSPHRASE)
        .open(options(&path), SqlitePoolOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EncryptionError::PlainDatabase { path: p } if p == &path),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("is a plain SQLite database"),
        "{err}"
    );
    assert_eq!(snapshot(&path), before);
}

#[tokio::test]
async fn encrypted_file_opened_without_a_key_is_refused_and_nothing_written() {
    let (_dir, path) = migrated(&encryption(PASSPHRASE)).await;
    let before = snapshot(&path);
    let err = open_plain(options(&path), SqlitePoolOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EncryptionError::EncryptedDatabase { path: p } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("give its key"), "{err}");
    assert!(check_plain(&options(&path)).is_err());
    assert_eq!(snapshot(&path), before);
}

#[tokio::test]
async fn other_major_version_settings_are_named_and_nothing_written() {
    let v3 = encryption(PASSPHRASE).settings(CipherSettings::compatibility(3).unwrap());
    let (_dir, path) = migrated(&v3).await;
    let before = snapshot(&path);
    let err = encryption(PASSPHRASE)
        .open(options(&path), SqlitePoolOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EncryptionError::OtherSettings {
                found: 3,
                given: Some(4),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("SQLCipher 3's default settings"),
        "{err}"
    );
    assert_eq!(snapshot(&path), before);
    // Opened with its own settings, it reads.
    let pool = open(&path, &v3).await;
    assert_eq!(crate::support::tables(&pool).await, ["posts", "users"]);
    pool.close().await;
}

#[tokio::test]
async fn custom_kdf_settings_must_be_given_again() {
    let custom = CipherSettings::default()
        .kdf_iter(1000)
        .unwrap()
        .page_size(8192)
        .unwrap();
    let (_dir, path) = migrated(&encryption(PASSPHRASE).settings(custom)).await;
    let before = snapshot(&path);
    let err = encryption(PASSPHRASE)
        .check(&options(&path))
        .await
        .unwrap_err();
    let EncryptionError::WrongKey {
        settings_version, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*settings_version, Some(4));
    assert!(err.to_string().contains("kdf_iter"), "{err}");
    // The rounds alone are not enough: the page size too.
    let rounds_only = CipherSettings::default().kdf_iter(1000).unwrap();
    let err = encryption(PASSPHRASE)
        .settings(rounds_only)
        .check(&options(&path))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EncryptionError::WrongKey {
                settings_version: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(snapshot(&path), before);
    let pool = open(&path, &encryption(PASSPHRASE).settings(custom)).await;
    let page_size: String = sqlx::query_scalar("PRAGMA cipher_page_size")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(page_size, "8192");
    pool.close().await;
}

#[tokio::test]
async fn key_derived_from_a_master_password_and_salt_file_opens_it_again() {
    let (dir, path) = new_file();
    let salt = dir.path().join("data.db.salt");
    let key = derive_key("master password", &salt).unwrap();
    assert!(key.is_raw());
    assert_eq!(std::fs::read(&salt).unwrap().len(), 16);
    let pool = open(&path, &Encryption::new(key)).await;
    BASIC.run(&pool).await.unwrap();
    pool.close().await;
    // The same password and salt derive the same key; another password does not open it.
    let again = derive_key("master password", &salt).unwrap();
    let pool = open(&path, &Encryption::new(again)).await;
    assert_eq!(crate::support::tables(&pool).await, ["posts", "users"]);
    pool.close().await;
    let other = derive_key("another password", &salt).unwrap();
    let err = Encryption::new(other)
        .check(&options(&path))
        .await
        .unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    // A salt file that holds no salt is named.
    std::fs::write(&salt, b"short").unwrap();
    let err = derive_key("master password", &salt).unwrap_err();
    assert!(err.to_string().contains("16-byte salt"), "{err}");
}

#[test]
fn keys_and_settings_refuse_bad_values_without_showing_the_key() {
    assert!(Key::passphrase("").is_err());
    assert!(Key::passphrase("a\0b").is_err());
    assert!(Key::from_hex("x'abcd'").is_err());
    assert!(Key::from_hex(&"zz".repeat(32)).is_err());
    assert!(Key::from_hex(&format!("x'{}'", "0f".repeat(32))).is_ok());
    assert!(CipherSettings::compatibility(5).is_err());
    assert!(CipherSettings::default().page_size(1000).is_err());
    assert!(CipherSettings::default().kdf_iter(0).is_err());
    let key = Key::passphrase("hunter2").unwrap();
    assert!(!format!("{key:?}").contains("hunter2"));
    assert!(!format!("{:?}", encryption("hunter2")).contains("hunter2"));
}

#[tokio::test]
async fn a_passphrase_with_quotes_opens_its_file() {
    let tricky = "it's \"quoted\"; -- not SQL";
    let (_dir, path) = migrated(&encryption(tricky)).await;
    let pool = open(&path, &encryption(tricky)).await;
    assert_eq!(crate::support::tables(&pool).await, ["posts", "users"]);
    pool.close().await;
}
