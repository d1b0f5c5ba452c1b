//! Encrypted SQLite files (cargo feature `sqlcipher`): the sqlx SQLite driver built on
//! SQLCipher, the key and settings given to every connection, a file checked before anything
//! is written to it, key rotation, and a key derived from a master password.
//!
//! # Example
//!
//! ```ignore
//! # async fn boot() -> Result<(), Box<dyn std::error::Error>> {
//! use schema_runtime::sqlcipher::{Encryption, Key};
//! use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
//!
//! static MIGRATIONS: schema_runtime::Migrations = schema_runtime::__private::EMPTY;
//! let options = SqliteConnectOptions::new()
//!     .filename("data.db")
//!     .create_if_missing(true);
//! let encryption = Encryption::new(Key::passphrase("correct horse battery staple")?);
//! let pool = encryption.open(options, SqlitePoolOptions::new()).await?;
//! MIGRATIONS.run(&pool).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Details
//!
//! - [`Encryption::apply`] puts `PRAGMA key` and the settings first among the pragmas sqlx
//!   runs on each new connection, so every connection of the pool, and any the migrator opens
//!   from the pool's options, is keyed before it reads anything.
//! - [`Encryption::open`] first reads the file's header and tries the key on a read-only
//!   connection: a plain file, a wrong key and other settings are refused with their own
//!   [`EncryptionError`], with nothing written. [`open_plain`] refuses an encrypted file.
//! - [`Encryption::rekey`] is `PRAGMA rekey`; [`derive_key`] is Argon2id over a salt file.
//! - No message holds a key, and `Key`'s `Debug` shows none.

mod derive;
mod error;
mod key;
mod open;

pub use derive::derive_key;
pub use error::EncryptionError;
pub use key::{CipherHash, CipherSettings, Encryption, Key};
pub use open::{check_plain, is_plain_sqlite, open_plain};
