//! The original tools, run as their users run them: sqlx's `Migrator` and diesel's
//! `MigrationHarness`, each on a database of its own kind.

use crate::folders::{Folder, Tool};
use crate::support;
use crate::support::db::TestDb;
use diesel::backend::Backend;
use diesel::Connection;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use std::path::PathBuf;

/// diesel's PostgreSQL connection through diesel-async's pure-Rust driver: diesel's own
/// `PgConnection` links libpq, a C library this workspace does not build. The wrapper is a
/// diesel `Connection` (and so a `MigrationHarness`): each pending migration's `up.sql` runs
/// in its own transaction, in version order, exactly as `diesel migration run` and diesel's
/// embedded migrations run it.
type DieselPg =
    diesel_async::async_connection_wrapper::AsyncConnectionWrapper<diesel_async::AsyncPgConnection>;

/// A database the suite applies real-world folders to, with the original tool or this one.
pub trait RealDb: support::db::TestDb {
    /// Applies `folder` with the tool that wrote it.
    async fn apply_with_tool(&self, folder: &Folder);
    /// Reverts with `folder`'s tool what it applied: the newest `count` migrations, or all.
    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String>;
    /// The schema, normalised: see `crate::dump`.
    async fn dump(&self) -> Vec<String>;
}

impl RealDb for support::sqlite::Db {
    async fn apply_with_tool(&self, folder: &Folder) {
        match folder.tool {
            Tool::Sqlx => self.sqlx_migrate(&folder.path()).await,
            Tool::Diesel => {
                let file = self.path.to_str().unwrap().to_owned();
                diesel(folder, Direction::Up, move || {
                    diesel::SqliteConnection::establish(&file)
                })
                .await
                .unwrap_or_else(|e| panic!("diesel cannot apply `{}`: {e}", folder.name))
            }
        }
    }

    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String> {
        match folder.tool {
            Tool::Sqlx => sqlx_undo(folder, count, &self.pool).await,
            Tool::Diesel => {
                let file = self.path.to_str().unwrap().to_owned();
                diesel(folder, Direction::Down(count), move || {
                    diesel::SqliteConnection::establish(&file)
                })
                .await
            }
        }
    }

    async fn dump(&self) -> Vec<String> {
        crate::dump::sqlite(&self.pool).await
    }
}

impl RealDb for support::pg::Db {
    async fn apply_with_tool(&self, folder: &Folder) {
        match folder.tool {
            Tool::Sqlx => self.sqlx_migrate(&folder.path()).await,
            Tool::Diesel => {
                let url = self.url.clone();
                diesel(folder, Direction::Up, move || DieselPg::establish(&url))
                    .await
                    .unwrap_or_else(|e| panic!("diesel cannot apply `{}`: {e}", folder.name))
            }
        }
    }

    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String> {
        match folder.tool {
            Tool::Sqlx => sqlx_undo(folder, count, &self.pool).await,
            Tool::Diesel => {
                let url = self.url.clone();
                diesel(folder, Direction::Down(count), move || {
                    DieselPg::establish(&url)
                })
                .await
            }
        }
    }

    async fn dump(&self) -> Vec<String> {
        crate::dump::postgres(&self.pool).await
    }
}

/// How much a revert takes back, newest first.
#[derive(Clone, Copy, Debug)]
pub enum Revert {
    All,
    Newest(usize),
}

/// sqlx's revert (`sqlx migrate revert --target-version`): every applied migration after the
/// one `count` leaves newest.
async fn sqlx_undo<'a, A>(folder: &Folder, count: Revert, pool: A) -> Result<(), String>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    let migrator = sqlx::migrate::Migrator::new(folder.path().as_path())
        .await
        .map_err(|e| e.to_string())?;
    let mut versions: Vec<i64> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    let target = match count {
        Revert::All => 0,
        Revert::Newest(n) => versions.get(n).copied().unwrap_or(0),
    };
    migrator.undo(pool, target).await.map_err(|e| e.to_string())
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down(Revert),
}

/// Runs diesel's harness on a thread of its own: diesel's connections are blocking, and
/// diesel-async's wrapper drives its own runtime only outside one.
async fn diesel<DB, C>(
    folder: &Folder,
    direction: Direction,
    connect: impl FnOnce() -> diesel::ConnectionResult<C> + Send + 'static,
) -> Result<(), String>
where
    DB: Backend,
    C: Connection<Backend = DB> + MigrationHarness<DB>,
    FileBasedMigrations: diesel::migration::MigrationSource<DB>,
{
    let dir: PathBuf = folder.path();
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let run = || -> Result<(), String> {
            let mut conn = connect().map_err(|e| e.to_string())?;
            let source = FileBasedMigrations::from_path(&dir).map_err(|e| e.to_string())?;
            match direction {
                Direction::Up => conn.run_pending_migrations(source).map(drop),
                Direction::Down(Revert::All) => conn.revert_all_migrations(source).map(drop),
                Direction::Down(Revert::Newest(n)) => {
                    (0..n).try_for_each(|_| conn.revert_last_migration(source.clone()).map(drop))
                }
            }
            .map_err(|e| e.to_string())
        };
        let _ = done.send(run());
    });
    outcome
        .await
        .map_err(|_| "diesel's thread panicked".to_owned())?
}
