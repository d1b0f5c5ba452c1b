//! A database of its own for a comparison: SQLite in memory, or on PostgreSQL a scratch
//! database created on a server the caller names and dropped again on every path.

use crate::{DbPool, MigrateError};

/// Runs `work` on a database of its own: in memory on SQLite (`dev_url` `None`), else a
/// scratch database with a unique name on the server `dev_url` reaches (any database there:
/// it is only used to create and drop the scratch one), closed or dropped afterwards on every
/// path, errors included.
pub(crate) async fn with_database<T>(
    dev_url: Option<&str>,
    work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    match dev_url {
        None => with_in_memory(work).await,
        Some(url) => with_scratch(url, work).await,
    }
}

#[cfg(feature = "sqlite")]
async fn with_in_memory<T>(
    work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    // One connection: an in-memory database is private to the connection that opened it.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().in_memory(true))
        .await
        .map_err(MigrateError::db("opening an in-memory SQLite database"))?;
    let result = work((&pool).into()).await;
    pool.close().await;
    result
}

#[cfg(not(feature = "sqlite"))]
async fn with_in_memory<T>(
    _work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    Err(MigrateError::NoDevDatabase)
}

#[cfg(feature = "postgres")]
async fn with_scratch<T>(
    dev_url: &str,
    work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::{ConnectOptions, Connection, Executor};
    use std::str::FromStr;
    // The URL may hold a password: no message repeats it.
    let options = PgConnectOptions::from_str(dev_url)
        .map_err(MigrateError::db("reading the dev database URL"))?;
    let mut admin = options
        .connect()
        .await
        .map_err(MigrateError::db("connecting to the dev database"))?;
    let scratch = scratch_name();
    admin
        .execute(format!("CREATE DATABASE \"{scratch}\"").as_str())
        .await
        .map_err(MigrateError::db(format!(
            "creating the scratch database `{scratch}` on the dev database's server"
        )))?;
    let result = async {
        let pool = PgPoolOptions::new()
            .max_connections(3)
            .connect_with(options.clone().database(&scratch))
            .await
            .map_err(MigrateError::db(format!(
                "connecting to the scratch database `{scratch}`"
            )))?;
        let read = work((&pool).into()).await;
        pool.close().await;
        read
    }
    .await;
    // `FORCE`: a connection the failed run left behind must not keep the database alive.
    // Servers before PostgreSQL 13 do not know it: then without.
    let drop = format!("DROP DATABASE IF EXISTS \"{scratch}\"");
    let dropped = match admin.execute(format!("{drop} WITH (FORCE)").as_str()).await {
        Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("42601") => {
            admin.execute(drop.as_str()).await
        }
        other => other,
    };
    let _ = admin.close().await;
    let value = result?;
    dropped.map_err(MigrateError::db(format!(
        "dropping the scratch database `{scratch}`"
    )))?;
    Ok(value)
}

#[cfg(not(feature = "postgres"))]
async fn with_scratch<T>(
    _dev_url: &str,
    _work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    Err(MigrateError::UnsupportedOption {
        option: "dev_url",
        applies_to: "PostgreSQL",
        database: "SQLite",
    })
}

/// A database name no other comparison uses at the same time: the process, the time and a
/// counter.
#[cfg(feature = "postgres")]
fn scratch_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "schema_dev_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
