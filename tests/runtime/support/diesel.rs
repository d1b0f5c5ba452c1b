//! diesel's own migration harness, run as its users run it: `diesel migration run` and diesel's
//! embedded migrations both go through `MigrationHarness`.

use diesel::Connection;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use std::path::Path;

/// diesel's PostgreSQL connection through diesel-async's pure-Rust driver: diesel's own
/// `PgConnection` links libpq, a C library this workspace does not build. The wrapper is a
/// diesel `Connection` (and so a `MigrationHarness`): each pending migration's `up.sql` runs
/// in its own transaction, in version order, exactly as `diesel migration run` runs it.
pub type DieselPg =
    diesel_async::async_connection_wrapper::AsyncConnectionWrapper<diesel_async::AsyncPgConnection>;

/// Runs `work` with diesel's harness over the folder `dir`, on a connection `connect` opens,
/// on a thread of its own: diesel's connections are blocking, and diesel-async's wrapper
/// drives its own runtime only outside one.
pub async fn with_harness<C, W>(
    dir: &Path,
    connect: impl FnOnce() -> diesel::ConnectionResult<C> + Send + 'static,
    work: W,
) -> Result<(), String>
where
    C: Connection + MigrationHarness<C::Backend>,
    FileBasedMigrations: diesel::migration::MigrationSource<C::Backend>,
    W: FnOnce(&mut C, FileBasedMigrations) -> diesel::migration::Result<()> + Send + 'static,
{
    let dir = dir.to_owned();
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let run = || -> Result<(), String> {
            let mut conn = connect().map_err(|e| e.to_string())?;
            let source = FileBasedMigrations::from_path(&dir).map_err(|e| e.to_string())?;
            work(&mut conn, source).map_err(|e| e.to_string())
        };
        let _ = done.send(run());
    });
    outcome
        .await
        .map_err(|_| "diesel's thread panicked".to_owned())?
}

/// Applies every pending migration of the diesel folder `dir` with diesel's harness.
pub async fn run_pending<C>(
    dir: &Path,
    connect: impl FnOnce() -> diesel::ConnectionResult<C> + Send + 'static,
) -> Result<(), String>
where
    C: Connection + MigrationHarness<C::Backend>,
    FileBasedMigrations: diesel::migration::MigrationSource<C::Backend>,
{
    with_harness(dir, connect, |conn, source| {
        conn.run_pending_migrations(source).map(drop)
    })
    .await
}
