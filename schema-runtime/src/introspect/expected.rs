//! The schema a migration set makes: the set applied, through this crate's own run, to a
//! database of its own (SQLite: in memory; PostgreSQL: a scratch database on the server the
//! caller names, created and dropped around the reading), then read.

use super::diff::{compare, Drift};
use super::migration::Definitions;
use super::model::Schema;
use crate::{DbPool, MigrateError, Migrations, Migrator};
use futures_util::future::BoxFuture;

impl Migrator<'_> {
    /// The schema this migrator's set makes, read from a database it is applied to: on
    /// SQLite a private in-memory database (pass `None`); on PostgreSQL a scratch database
    /// created on the server `dev_url` reaches (any database there: it is only used to create
    /// and drop the scratch one, whose name is unique), dropped again afterwards on every path,
    /// errors included. Tracking tables are left out, as by [`Schema::read_without`].
    pub async fn expected_schema(&self, dev_url: Option<&str>) -> Result<Schema, MigrateError> {
        self.with_migrated(dev_url, async |pool| {
            Schema::read_without(pool, &self.tables).await
        })
        .await
    }

    /// [`Self::expected_schema`] with the statements its objects were stored with (SQLite; none
    /// on PostgreSQL).
    pub(crate) async fn expected_with_definitions(
        &self,
        dev_url: Option<&str>,
    ) -> Result<(Schema, Definitions), MigrateError> {
        self.with_migrated(dev_url, async |pool| {
            let schema = Schema::read_without(pool, &self.tables).await?;
            let definitions = match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(pool) => super::fix::read_definitions(pool).await?,
                #[cfg(feature = "postgres")]
                DbPool::Postgres(_) => Definitions::default(),
            };
            Ok((schema, definitions))
        })
        .await
    }

    /// Compares the live schema of `pool` with the one the set makes ([`Self::expected_schema`]):
    /// on SQLite only; a PostgreSQL pool needs [`Self::verify_schema_with_dev`]. A module with
    /// a table prefix ([`Migrations::prefix`]) compares only its own objects.
    pub async fn verify_schema<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Drift, MigrateError> {
        self.verify_schema_on(pool.into()).await
    }

    /// The body of [`Self::verify_schema`], compiled once in this crate rather than in every caller.
    fn verify_schema_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Drift, MigrateError>> {
        Box::pin(async move {
            match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(_) => {
                    let expected = self.expected_schema(None).await?;
                    self.drift(pool, expected).await
                }
                #[cfg(feature = "postgres")]
                DbPool::Postgres(_) => Err(MigrateError::NoDevDatabase),
            }
        })
    }

    /// [`Self::verify_schema`] on PostgreSQL: the set is applied to a scratch database created
    /// on the server `dev_url` reaches, and dropped afterwards (see
    /// [`Self::expected_schema`]). Refused on SQLite, which needs no dev database.
    pub async fn verify_schema_with_dev<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        dev_url: &str,
    ) -> Result<Drift, MigrateError> {
        self.verify_schema_with_dev_on(pool.into(), dev_url).await
    }

    /// The body of [`Self::verify_schema_with_dev`], compiled once in this crate rather than in every caller.
    fn verify_schema_with_dev_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        dev_url: &'a str,
    ) -> BoxFuture<'a, Result<Drift, MigrateError>> {
        Box::pin(async move {
            #[cfg(not(feature = "postgres"))]
            let _ = dev_url;
            match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(_) => Err(MigrateError::UnsupportedOption {
                    option: "dev_url",
                    applies_to: "PostgreSQL",
                    database: "SQLite",
                }),
                #[cfg(feature = "postgres")]
                DbPool::Postgres(_) => {
                    let expected = self.expected_schema(Some(dev_url)).await?;
                    self.drift(pool, expected).await
                }
            }
        })
    }

    async fn drift(&self, pool: DbPool<'_>, expected: Schema) -> Result<Drift, MigrateError> {
        let others = self.recorded_prefixes(pool).await?;
        let live = Schema::read_without(pool, &self.tables).await?;
        Ok(self.drift_between(expected, live, &others).2)
    }

    /// The two schemas narrowed to the module's objects (its prefix; the live one without the
    /// other modules' prefixed objects, `recorded` among them, that the migrations do not
    /// make), and their drift.
    pub(crate) fn drift_between(
        &self,
        expected: Schema,
        live: Schema,
        recorded: &super::Recorded,
    ) -> (Schema, Schema, Drift) {
        let prefix = self.own_prefix(recorded);
        // What the migrations make is compared whole (within the module's prefix): another
        // module's prefix only leaves out live objects the migrations do not make.
        let expected = match prefix {
            Some(prefix) => expected.only_prefixed(prefix),
            None => expected,
        };
        let live = self.own_objects(live, recorded, Some(&expected));
        let drift = Drift {
            module: self.module.clone(),
            prefix: prefix.map(str::to_owned),
            differences: compare(&expected, &live),
        };
        (expected, live, drift)
    }

    /// Applies the set to a database of its own (as [`Self::expected_schema`] does: in memory
    /// with `dev_url` `None`, else a scratch database on that server), runs `work` on it, and
    /// closes (or drops) the database on every path.
    pub(crate) async fn with_migrated<T>(
        &self,
        dev_url: Option<&str>,
        work: impl AsyncFnOnce(DbPool<'_>) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        super::scratch::with_database(dev_url, async |pool| {
            for set in &self.builds_on {
                let before = set.migrator().table_names(self.tables.clone());
                before.run_quietly(pool).await?;
            }
            self.run_quietly(pool).await?;
            work(pool).await
        })
        .await
    }

    /// Applies the set to a database of its own without logging: what a run logs ("applied
    /// 3_users.sql") is about the database the application uses, not a scratch one.
    async fn run_quietly<'p>(&self, pool: impl Into<DbPool<'p>>) -> Result<(), MigrateError> {
        use tracing::instrument::WithSubscriber;
        self.run(pool)
            .with_subscriber(tracing::subscriber::NoSubscriber::default())
            .await
            .map(drop)
    }
}

impl Migrations {
    /// The live schema of `pool` compared with the one this set makes, on SQLite; see
    /// [`Migrator::verify_schema`].
    pub async fn verify_schema<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Drift, MigrateError> {
        self.migrator().verify_schema(pool).await
    }

    /// The same on PostgreSQL, with a dev database to apply the set to; see
    /// [`Migrator::verify_schema_with_dev`].
    pub async fn verify_schema_with_dev<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        dev_url: &str,
    ) -> Result<Drift, MigrateError> {
        self.migrator().verify_schema_with_dev(pool, dev_url).await
    }
}
