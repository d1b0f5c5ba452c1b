//! Opening a file as encrypted or as plain after checking what it is, and changing its key:
//! each refusal comes before anything is written to the file.

use super::{CipherSettings, Encryption, EncryptionError, Key};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first 16 bytes of a plain SQLite file; an encrypted one starts with its random salt.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What the file a connection would open holds, read from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum FileKind {
    /// In memory, missing or empty: a new database, encrypted or not as it is opened.
    New,
    Plain,
    /// Encrypted, or no database at all.
    Other,
}

fn file_kind(options: &SqliteConnectOptions) -> Result<FileKind, EncryptionError> {
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
        return Ok(FileKind::New);
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::New),
        Err(source) => {
            return Err(EncryptionError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    let mut header = Vec::with_capacity(16);
    file.by_ref()
        .take(16)
        .read_to_end(&mut header)
        .map_err(|source| EncryptionError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(match header.as_slice() {
        [] => FileKind::New,
        bytes if bytes == PLAIN_HEADER => FileKind::Plain,
        _ => FileKind::Other,
    })
}

/// Whether `error` is SQLite's `SQLITE_NOTADB` (26): what SQLCipher answers when the key or
/// the settings do not decrypt the first page.
fn not_a_database(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "26")
}

/// Reads the file's schema through one read-only connection made with `options`: whether the
/// key and settings open it, with nothing written.
async fn readable(options: &SqliteConnectOptions) -> Result<bool, EncryptionError> {
    let probe = options.clone().read_only(true).create_if_missing(false);
    let outcome = async {
        let mut connection = probe.connect().await?;
        let read = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut connection)
            .await;
        let _ = connection.close().await;
        read
    }
    .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(e) if not_a_database(&e) => Ok(false),
        Err(e) => Err(EncryptionError::db("reading the encrypted database")(e)),
    }
}

impl Encryption {
    /// Checks that this key and these settings open the file `options` names, reading only:
    /// a plain SQLite file, a wrong key and a file encrypted with another SQLCipher major
    /// version's settings are each refused with their own error. A missing or empty file
    /// passes (it will be created encrypted), and so does an in-memory database.
    pub async fn check(&self, options: &SqliteConnectOptions) -> Result<(), EncryptionError> {
        let path = || options.get_filename().to_owned();
        match file_kind(options)? {
            FileKind::New => return Ok(()),
            FileKind::Plain => return Err(EncryptionError::PlainDatabase { path: path() }),
            FileKind::Other => {}
        }
        if readable(&self.apply(options.clone())).await? {
            return Ok(());
        }
        // Try each major version's defaults with the same key, so that a file SQLCipher 3
        // wrote is named as such rather than as a wrong key. A raw key skips the KDF, so this
        // costs little; a passphrase costs one derivation per version.
        let given = self.settings.version();
        for version in (1..=4).rev() {
            if Some(version) == given {
                continue;
            }
            let other = self
                .clone()
                .settings(CipherSettings::compatibility(version)?);
            if readable(&other.apply(options.clone())).await? {
                return Err(EncryptionError::OtherSettings {
                    path: path(),
                    found: version,
                    given,
                });
            }
        }
        Err(EncryptionError::WrongKey {
            path: path(),
            settings_version: given,
        })
    }

    /// Opens a pool on the encrypted file `options` names, after [`check`](Self::check):
    /// every connection the pool opens (and any the migrator opens from the pool's options)
    /// runs `PRAGMA key` and the settings first. A missing file is created encrypted when
    /// `options` say `create_if_missing(true)`.
    pub async fn open(
        &self,
        options: SqliteConnectOptions,
        pool: SqlitePoolOptions,
    ) -> Result<SqlitePool, EncryptionError> {
        self.check(&options).await?;
        pool.connect_with(self.apply(options))
            .await
            .map_err(EncryptionError::db("opening the encrypted database"))
    }

    /// Changes the file's key to `new` (`PRAGMA rekey`: every page re-encrypted, the data
    /// kept), after checking that this key opens it; the settings stay. Run it while nothing
    /// else has the file open: a connection opened with the old key cannot read it after.
    /// Returns the encryption that opens the file now.
    pub async fn rekey(
        &self,
        options: &SqliteConnectOptions,
        new: Key,
    ) -> Result<Encryption, EncryptionError> {
        let path = options.get_filename().to_owned();
        if file_kind(options)? != FileKind::Other {
            // A new or plain file: SQLCipher's rekey does not encrypt a plain database.
            return Err(EncryptionError::PlainDatabase { path });
        }
        self.check(options).await?;
        let mut connection: SqliteConnection = self
            .apply(options.clone().create_if_missing(false))
            .connect()
            .await
            .map_err(EncryptionError::db("opening the encrypted database"))?;
        // language=SQLite
        let sql = zeroize::Zeroizing::new(format!("PRAGMA rekey = {}", *new.pragma_value()));
        let rekeyed = sqlx::raw_sql(sql.as_str()).execute(&mut connection).await;
        let _ = connection.close().await;
        rekeyed.map_err(EncryptionError::db("changing the key"))?;
        let now = self.clone_with_key(new);
        if !readable(&now.apply(options.clone())).await? {
            return Err(EncryptionError::WrongKey {
                path,
                settings_version: now.settings.version(),
            });
        }
        Ok(now)
    }

    fn clone_with_key(&self, key: Key) -> Encryption {
        Encryption {
            key,
            settings: self.settings,
        }
    }
}

/// Opens a pool on the plain SQLite file `options` names, refusing first, with nothing
/// written, a file that is not plain SQLite (an encrypted one, opened without its key).
pub async fn open_plain(
    options: SqliteConnectOptions,
    pool: SqlitePoolOptions,
) -> Result<SqlitePool, EncryptionError> {
    check_plain(&options)?;
    pool.connect_with(options)
        .await
        .map_err(EncryptionError::db("opening the database"))
}

/// Refuses, reading only its first bytes, a file that is not plain SQLite: an encrypted file
/// opened without its key. A missing or empty file and an in-memory database pass.
pub fn check_plain(options: &SqliteConnectOptions) -> Result<(), EncryptionError> {
    match file_kind(options)? {
        FileKind::Other => Err(EncryptionError::EncryptedDatabase {
            path: PathBuf::from(options.get_filename()),
        }),
        FileKind::New | FileKind::Plain => Ok(()),
    }
}

/// Whether the file at `path` starts with plain SQLite's header (`SQLite format 3`).
pub fn is_plain_sqlite(path: &Path) -> Result<bool, EncryptionError> {
    file_kind(&SqliteConnectOptions::new().filename(path)).map(|kind| kind == FileKind::Plain)
}
