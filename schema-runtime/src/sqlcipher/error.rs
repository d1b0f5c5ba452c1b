//! What can go wrong opening, checking or rekeying an encrypted file. No message holds a key.

use std::path::PathBuf;

/// An encrypted file that cannot be opened as asked, or a key or setting refused before
/// anything is opened. Every refusal of a file happens before anything is written to it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptionError {
    /// A key refused as written (empty, not hex, the wrong length).
    #[error("invalid SQLCipher key: {reason}")]
    InvalidKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A setting out of SQLCipher's range.
    #[error("invalid SQLCipher setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// Its range.
        reason: &'static str,
    },
    /// A plain SQLite file opened with a key.
    #[error(
        "`{}` is a plain SQLite database, not encrypted, and was opened with a key; nothing \
         was written to it; open it without a key, or encrypt a copy with SQLCipher's \
         `sqlcipher_export()`",
        path.display()
    )]
    PlainDatabase {
        /// The file.
        path: PathBuf,
    },
    /// An encrypted file (or a file that is no database) opened without a key.
    #[error(
        "`{}` is not a plain SQLite database (its header is not `SQLite format 3`): it is \
         encrypted, or not a database; nothing was written to it; give its key",
        path.display()
    )]
    EncryptedDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The key does not open the file with the settings given, nor with any SQLCipher major
    /// version's defaults.
    #[error(
        "the key does not open `{}`: a wrong key, or the file was encrypted with other \
         settings (`kdf_iter`, page size, HMAC or KDF algorithm) than those given ({}), or \
         it is not a database; nothing was written to it; check the key and \
         the settings it was encrypted with",
        path.display(), settings_name(*settings_version)
    )]
    WrongKey {
        /// The file.
        path: PathBuf,
        /// The SQLCipher major version whose defaults were given, if they were one's.
        settings_version: Option<u8>,
    },
    /// The key opens the file, but with another SQLCipher major version's settings.
    #[error(
        "`{}` was encrypted with SQLCipher {found}'s default settings, and was opened with {}; \
         nothing was written to it; open it with `CipherSettings::compatibility({found})`",
        path.display(), settings_name(*given)
    )]
    OtherSettings {
        /// The file.
        path: PathBuf,
        /// The major version whose settings open it.
        found: u8,
        /// The major version whose settings were given, if they were one's.
        given: Option<u8>,
    },
    /// The salt file of [`derive_key`](super::derive_key) cannot be read or written, or does
    /// not hold a salt.
    #[error("the salt file `{}` {problem}", path.display())]
    SaltFile {
        /// The salt file.
        path: PathBuf,
        /// What went wrong.
        problem: &'static str,
        /// The I/O error, if one.
        #[source]
        source: Option<std::io::Error>,
    },
    /// The key derivation itself failed (a parameter Argon2 refuses).
    #[error("deriving the key failed: {0}")]
    Derive(String),
    /// The file could not be read.
    #[error("reading `{}` failed", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database failed while `doing`.
    #[error("{doing} failed")]
    Database {
        /// What was being done.
        doing: &'static str,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
}

fn settings_name(version: Option<u8>) -> String {
    match version {
        Some(v) => format!("SQLCipher {v}'s defaults"),
        None => "custom settings".to_owned(),
    }
}

impl EncryptionError {
    pub(crate) fn db(doing: &'static str) -> impl Fn(sqlx::Error) -> EncryptionError {
        move |source| EncryptionError::Database { doing, source }
    }
}
