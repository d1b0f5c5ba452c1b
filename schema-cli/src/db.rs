//! Connecting to the database a URL names.

use crate::secret::redact;
use crate::Error;
use schema_runtime::DbPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

/// An open pool of either database.
pub(crate) enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Database {
    /// The pool, as the runtime takes it.
    pub(crate) fn pool(&self) -> DbPool<'_> {
        match self {
            Database::Sqlite(pool) => pool.into(),
            Database::Postgres(pool) => pool.into(),
        }
    }

    pub(crate) async fn close(self) {
        match self {
            Database::Sqlite(pool) => pool.close().await,
            Database::Postgres(pool) => pool.close().await,
        }
    }
}

/// The key an SQLite database is opened with: none (a plain file), or, in a `schema` built
/// with the cargo feature `sqlcipher`, SQLCipher's key and settings.
#[derive(Debug, Default)]
pub(crate) struct Encryption {
    #[cfg(feature = "sqlcipher")]
    pub(crate) cipher: Option<schema_runtime::sqlcipher::Encryption>,
}

impl Encryption {
    /// The key the options and variables give; without the feature, refused when one is given.
    pub(crate) fn from_args(args: &crate::cli::CipherArgs) -> Result<Encryption, Error> {
        #[cfg(feature = "sqlcipher")]
        {
            Ok(Encryption {
                cipher: crate::encryption::encryption(args)?,
            })
        }
        #[cfg(not(feature = "sqlcipher"))]
        {
            if crate::encryption::key_given(args) {
                return Err(Error::NoSqlcipher);
            }
            Ok(Encryption {})
        }
    }

    /// Opens the pool: with the key, after SQLCipher checked it opens the file; without one,
    /// refusing an encrypted file (feature `sqlcipher`); nothing written when refused.
    async fn open(
        &self,
        options: SqliteConnectOptions,
        pool: SqlitePoolOptions,
    ) -> Result<Result<sqlx::SqlitePool, sqlx::Error>, Error> {
        #[cfg(feature = "sqlcipher")]
        {
            use schema_runtime::sqlcipher::EncryptionError;
            let opened = match &self.cipher {
                Some(cipher) => cipher.open(options, pool).await,
                None => schema_runtime::sqlcipher::open_plain(options, pool).await,
            };
            match opened {
                Ok(pool) => Ok(Ok(pool)),
                Err(EncryptionError::Database { source, .. }) => Ok(Err(source)),
                Err(e) => Err(e.into()),
            }
        }
        #[cfg(not(feature = "sqlcipher"))]
        {
            Ok(pool.connect_with(options).await)
        }
    }
}

/// What to do when the URL names an SQLite file that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfMissing {
    /// Create it (`up`).
    Create,
    /// Show it as an empty database, without creating anything (`status`, `up --dry-run`).
    Empty,
    /// Refuse: the command needs an existing database (`down`, `baseline`, ...).
    Refuse,
}

/// Opens `url` (an SQLite file with `encryption`'s key, if any); says on stderr when a missing SQLite file is shown as an empty database.
pub(crate) async fn connect(
    url: &str,
    if_missing: IfMissing,
    encryption: &Encryption,
) -> Result<Database, Error> {
    crate::secret::remember(url);
    let shown = redact(url);
    let invalid = |source| Error::InvalidUrl {
        url: shown.clone(),
        source,
    };
    let connect_error = |source| Error::Connect {
        url: shown.clone(),
        source,
    };
    if url.starts_with("sqlite:") {
        let mut options = SqliteConnectOptions::from_str(url).map_err(invalid)?;
        let path = options.get_filename().to_owned();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory && path.as_os_str().is_empty() {
            return Err(Error::NoSqliteFile { url: shown });
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !in_memory && !d.is_dir()) {
            return Err(Error::NoDatabaseDir {
                dir: dir.to_owned(),
                path,
            });
        }
        if !in_memory && !path.exists() {
            match if_missing {
                IfMissing::Create => options = options.create_if_missing(true),
                IfMissing::Refuse => return Err(Error::NoDatabaseFile { path }),
                IfMissing::Empty => {
                    eprintln!(
                        "note: `{}` does not exist yet; showing it as an empty database",
                        path.display()
                    );
                    options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(invalid)?;
                }
            }
        }
        // A second process migrating the same file waits instead of failing at once.
        let options = options.busy_timeout(Duration::from_secs(30));
        let pool = encryption
            .open(options, SqlitePoolOptions::new().max_connections(4))
            .await?
            .map_err(connect_error)?;
        // SQLite opens any file; the first read of its header tells whether it is a database.
        if let Err(source) = sqlx::query("PRAGMA schema_version").execute(&pool).await {
            pool.close().await;
            return Err(Error::NotADatabase { path, source });
        }
        Ok(Database::Sqlite(pool))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url).map_err(invalid)?;
        // One plain connection first: a pool retries until its timeout and then reports only
        // that it timed out, losing "connection refused" or "password authentication failed".
        let first = options.connect().await.map_err(connect_error)?;
        let _ = first.close().await;
        // The runtime holds the advisory lock on a connection of its own beside the one
        // that migrates.
        let pool = PgPoolOptions::new()
            .max_connections(3)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(Database::Postgres(pool))
    } else {
        Err(Error::UnsupportedUrl { url: shown })
    }
}

/// Opens `url` to read only: an SQLite file read-only (it must exist); a PostgreSQL database
/// as [`connect`] does (what reads it there keeps to read-only transactions).
pub(crate) async fn connect_read_only(
    url: &str,
    encryption: &Encryption,
) -> Result<Database, Error> {
    if !url.starts_with("sqlite:") {
        return connect(url, IfMissing::Refuse, encryption).await;
    }
    crate::secret::remember(url);
    let shown = redact(url);
    let options = SqliteConnectOptions::from_str(url).map_err(|source| Error::InvalidUrl {
        url: shown.clone(),
        source,
    })?;
    let path = options.get_filename().to_owned();
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !in_memory && !path.exists() {
        return Err(Error::NoDatabaseFile { path });
    }
    let pool = encryption
        .open(
            options.read_only(true),
            SqlitePoolOptions::new().max_connections(1),
        )
        .await?
        .map_err(|source| Error::Connect { url: shown, source })?;
    Ok(Database::Sqlite(pool))
}
