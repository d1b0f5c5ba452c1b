//! The original tools, run as their users run them: sqlx's `Migrator`, diesel's
//! `MigrationHarness` and refinery's `Runner`, each on a database of its own kind.

use crate::folders::{Folder, Tool};
use crate::support;
use crate::support::db::TestDb;
use crate::support::diesel::{with_harness, DieselPg};
use diesel::Connection;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

/// A database the suite applies real-world folders to, with the original tool or this one.
pub trait RealDb: support::db::TestDb {
    /// Applies `folder` with the tool that wrote it.
    async fn apply_with_tool(&self, folder: &Folder);
    /// Reverts with `folder`'s tool what it applied: the newest `count` migrations, or all.
    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String>;
}

impl RealDb for support::sqlite::Db {
    async fn apply_with_tool(&self, folder: &Folder) {
        match folder.tool {
            Tool::Sqlx => self.sqlx_migrate(&folder.path()).await,
            Tool::Diesel => self.diesel_migrate(&folder.path()).await,
            Tool::Refinery => {
                let mut conn = rusqlite::Connection::open(&self.path).unwrap();
                refinery_runner(folder).run(&mut conn).unwrap();
            }
        }
    }

    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String> {
        match folder.tool {
            Tool::Sqlx => sqlx_undo(folder, count, &self.pool).await,
            Tool::Refinery => Err(NO_REFINERY_DOWNS.to_owned()),
            Tool::Diesel => {
                let file = self.path.to_str().unwrap().to_owned();
                diesel_revert(folder, count, move || {
                    diesel::SqliteConnection::establish(&file)
                })
                .await
            }
        }
    }
}

impl RealDb for support::pg::Db {
    async fn apply_with_tool(&self, folder: &Folder) {
        match folder.tool {
            Tool::Sqlx => self.sqlx_migrate(&folder.path()).await,
            Tool::Diesel => self.diesel_migrate(&folder.path()).await,
            Tool::Refinery => {
                let (mut client, connection) =
                    tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                let driver = tokio::spawn(connection);
                refinery_runner(folder)
                    .run_async(&mut client)
                    .await
                    .unwrap_or_else(|e| panic!("`{}`: refinery fails: {e}", folder.name));
                drop(client);
                driver.await.unwrap().unwrap();
            }
        }
    }

    async fn revert_with_tool(&self, folder: &Folder, count: Revert) -> Result<(), String> {
        match folder.tool {
            Tool::Sqlx => sqlx_undo(folder, count, &self.pool).await,
            Tool::Refinery => Err(NO_REFINERY_DOWNS.to_owned()),
            Tool::Diesel => {
                let url = self.url.clone();
                diesel_revert(folder, count, move || DieselPg::establish(&url)).await
            }
        }
    }
}

/// refinery runs forward only: a folder of its kind has `Downs::None`.
const NO_REFINERY_DOWNS: &str = "refinery has no down migrations";

/// refinery's runner over `folder`, as its users' `embed_migrations!` reads it: every
/// `V{n}__{name}.sql`, applied in version order, each in a transaction of its own.
fn refinery_runner(folder: &Folder) -> refinery::Runner {
    let migrations = refinery::load_sql_migrations(folder.path())
        .unwrap_or_else(|e| panic!("`{}`: refinery cannot read it: {e}", folder.name));
    refinery::Runner::new(&migrations)
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

/// Reverts with diesel's harness what `count` says, newest first.
async fn diesel_revert<C>(
    folder: &Folder,
    count: Revert,
    connect: impl FnOnce() -> diesel::ConnectionResult<C> + Send + 'static,
) -> Result<(), String>
where
    C: Connection + MigrationHarness<C::Backend>,
    FileBasedMigrations: diesel::migration::MigrationSource<C::Backend>,
{
    with_harness(&folder.path(), connect, move |conn, source| match count {
        Revert::All => conn.revert_all_migrations(source).map(drop),
        Revert::Newest(n) => {
            (0..n).try_for_each(|_| conn.revert_last_migration(source.clone()).map(drop))
        }
    })
    .await
}
