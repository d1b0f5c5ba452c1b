//! A freshly migrated database for every test, copied from a template migrated once (cargo
//! feature `testing`).
//!
//! # Example
//!
//! ```ignore
//! static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!();
//!
//! #[schema_runtime::test(migrations = MIGRATIONS)]
//! async fn signs_up(pool: sqlx::SqlitePool) {
//!     sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')")
//!         .execute(&pool)
//!         .await
//!         .unwrap();
//! }
//!
//! // Without the attribute:
//! let db = schema_runtime::testing::sqlite(&MIGRATIONS).await?;
//! sqlx::query("SELECT count(*) FROM users").fetch_one(&*db).await?;
//! db.close().await?;
//! ```
//!
//! # Details
//!
//! - The first test of a process that asks for a set (with its target and fixtures) migrates
//!   a template; every test gets a copy of it, never migrated again: SQLite's backup of the
//!   template into a private in-memory database (or a temporary file), PostgreSQL's
//!   `CREATE DATABASE … TEMPLATE …`.
//! - PostgreSQL's template lives on the server, named after the sets and their fingerprint
//!   (`schema_tpl_…`), built once under an advisory lock whichever process comes first, and
//!   rebuilt (the old one dropped) when a migration or fixture changes. Test databases
//!   (`schema_test_…`) are dropped after the test, pass or fail; those a killed process left
//!   are dropped by the next run once they are ten minutes old and nobody is connected.
//! - [`TestDatabase`] derefs to the pool. [`TestDatabase::close`] drops the database and
//!   reports a failure; dropping the guard drops it too, blocking the thread for the time it
//!   takes (PostgreSQL's `DROP DATABASE` runs on a thread of its own).

mod apply;
mod error;
mod options;
#[cfg(feature = "postgres")]
mod postgres;
mod run;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use error::TestError;
pub use options::TestOptions;
#[doc(hidden)]
pub use run::run as __run;

/// Named by `#[schema_runtime::test]` beside the test, so that a parameter of another type
/// fails every build, not only `cargo test`'s (a `#[test]` is not compiled otherwise).
#[doc(hidden)]
pub const fn __assert_pool<P: TestPool>() {}

use apply::migrate;
use std::ops::Deref;

/// A migrated database of its own for one test, dropped by [`close`](Self::close) or when the
/// guard is dropped. Derefs to the pool.
#[derive(Debug)]
pub struct TestDatabase<P> {
    pool: P,
    place: Place,
    name: String,
    template: String,
}

/// Where the database lives, and so what dropping it takes.
#[derive(Debug)]
enum Place {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::Place),
    #[cfg(feature = "postgres")]
    Postgres(postgres::Place),
    /// Already dropped.
    Gone,
}

impl<P> TestDatabase<P> {
    /// The pool on the test's database.
    pub fn pool(&self) -> &P {
        &self.pool
    }

    /// The test database's name: the PostgreSQL database, or SQLite's in-memory database
    /// (`file:schema_test_…`) or file path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the template the database was copied from (`schema_tpl_…` on PostgreSQL;
    /// on SQLite an in-memory database of this process).
    pub fn template(&self) -> &str {
        &self.template
    }
}

impl<P> Deref for TestDatabase<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.pool
    }
}

impl<P: TestPool> TestDatabase<P> {
    /// Closes the pool and drops the database: the SQLite file is removed, the in-memory
    /// database freed, the PostgreSQL database dropped (`WITH (FORCE)`, so connections the
    /// test leaked do not keep it). Prefer it to dropping the guard, which cannot report a
    /// failure.
    pub async fn close(mut self) -> Result<(), TestError> {
        P::close(&self.pool).await;
        let place = std::mem::replace(&mut self.place, Place::Gone);
        place.drop_async().await
    }
}

impl Place {
    async fn drop_async(self) -> Result<(), TestError> {
        match self {
            #[cfg(feature = "sqlite")]
            Place::Sqlite(place) => {
                place.remove();
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Place::Postgres(place) => place.drop_database().await,
            Place::Gone => Ok(()),
        }
    }
}

impl<P> Drop for TestDatabase<P> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.place, Place::Gone) {
            #[cfg(feature = "sqlite")]
            Place::Sqlite(place) => place.remove(),
            #[cfg(feature = "postgres")]
            Place::Postgres(place) => place.drop_blocking(),
            Place::Gone => {}
        }
    }
}

/// The pools a test database is made for: `sqlx::SqlitePool` and `sqlx::PgPool`. The type the
/// test takes decides the database.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a pool `#[schema_runtime::test]` can give a test",
    label = "the test's parameter",
    note = "take `sqlx::SqlitePool` or `sqlx::PgPool`: the type decides the database"
)]
pub trait TestPool: Clone + Sized + private::Sealed {
    /// A migrated database of its own, as `options` say.
    #[allow(async_fn_in_trait)]
    async fn create(options: &TestOptions) -> Result<TestDatabase<Self>, TestError>;

    /// Closes the pool, waiting for its connections to come back.
    #[allow(async_fn_in_trait)]
    async fn close(pool: &Self);
}

mod private {
    pub trait Sealed {}
}

/// A migrated in-memory SQLite database of its own, copied from the set's template.
#[cfg(feature = "sqlite")]
pub async fn sqlite(
    migrations: &crate::Migrations,
) -> Result<TestDatabase<sqlx::SqlitePool>, TestError> {
    TestOptions::new(migrations).sqlite().await
}

/// A migrated PostgreSQL database of its own on the server of `url`, copied from the set's
/// template database.
#[cfg(feature = "postgres")]
pub async fn postgres(
    migrations: &crate::Migrations,
    url: &str,
) -> Result<TestDatabase<sqlx::PgPool>, TestError> {
    TestOptions::new(migrations).url(url).postgres().await
}

#[cfg(feature = "sqlite")]
impl TestOptions {
    /// A migrated SQLite database of its own: in memory, or a temporary file with
    /// [`in_file`](Self::in_file).
    pub async fn sqlite(&self) -> Result<TestDatabase<sqlx::SqlitePool>, TestError> {
        sqlite::create(self).await
    }
}

#[cfg(feature = "postgres")]
impl TestOptions {
    /// A migrated PostgreSQL database of its own, on the server of [`url`](Self::url) or
    /// `DATABASE_URL`.
    pub async fn postgres(&self) -> Result<TestDatabase<sqlx::PgPool>, TestError> {
        postgres::create(self).await
    }
}

#[cfg(feature = "sqlite")]
impl private::Sealed for sqlx::SqlitePool {}

#[cfg(feature = "sqlite")]
impl TestPool for sqlx::SqlitePool {
    async fn create(options: &TestOptions) -> Result<TestDatabase<Self>, TestError> {
        options.sqlite().await
    }

    async fn close(pool: &Self) {
        pool.close().await;
    }
}

#[cfg(feature = "postgres")]
impl private::Sealed for sqlx::PgPool {}

#[cfg(feature = "postgres")]
impl TestPool for sqlx::PgPool {
    async fn create(options: &TestOptions) -> Result<TestDatabase<Self>, TestError> {
        options.postgres().await
    }

    async fn close(pool: &Self) {
        pool.close().await;
    }
}
