//! Both schemas kept for writing a fix: the expected one and the live one with the statements
//! that made them, their drift, and the migration that removes it in either direction.

use super::diff::Drift;
use super::migration::{fix_migration, Definitions, Direction, FixMigration, Side};
use super::model::Schema;
use crate::{DbPool, MigrateError, Migrator};
use futures_util::future::BoxFuture;
use schema_core::Dialect;

/// The expected and the live schema of one comparison (narrowed to the module's objects), with
/// their drift: what [`Compared::migration`] writes a fix from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    /// The database's kind.
    pub dialect: Dialect,
    /// What the migrations make.
    pub expected: Schema,
    /// The statements the expected schema's objects were stored with (SQLite).
    pub expected_definitions: Definitions,
    /// What the database has.
    pub live: Schema,
    /// The statements the live objects were stored with (SQLite).
    pub live_definitions: Definitions,
    /// The differences, as [`Migrator::verify_schema`] returns them.
    pub drift: Drift,
}

impl Compared {
    /// The reversible migration that removes the drift: its up turns the live schema into the
    /// expected one ([`Direction::ToExpected`]) or the expected one into the live one
    /// ([`Direction::FromLive`]).
    pub fn migration(&self, direction: Direction) -> FixMigration {
        fix_migration(
            Side {
                schema: &self.expected,
                definitions: &self.expected_definitions,
            },
            Side {
                schema: &self.live,
                definitions: &self.live_definitions,
            },
            direction,
            self.dialect,
        )
    }

    /// SQL that makes the live schema on an empty database: on SQLite the stored statements
    /// (tables, then indexes, views and triggers), on PostgreSQL [`Schema::to_sql`].
    pub fn live_sql(&self) -> String {
        if self.dialect == Dialect::Postgres {
            return self.live.to_sql(Dialect::Postgres);
        }
        let mut out = String::new();
        let s = &self.live;
        let objects = s
            .tables
            .iter()
            .map(|t| ("table", &t.name))
            .chain(s.indexes.iter().map(|i| ("index", &i.name)))
            .chain(s.views.iter().map(|v| ("view", &v.name)))
            .chain(s.triggers.iter().map(|t| ("trigger", &t.name)));
        for (kind, name) in objects {
            if let Some(sql) = self.live_definitions.get(kind, name) {
                out.push_str(sql);
                out.push_str(";\n");
            }
        }
        out
    }
}

impl Migrator<'_> {
    /// Reads the expected schema (SQLite: in memory, `dev_url` `None`; PostgreSQL: on a scratch
    /// database of the `dev_url` server, see [`Migrator::expected_schema`]) and the live one,
    /// and compares them: [`Compared`], from which [`Compared::migration`] writes a fix.
    pub async fn compare_schemas<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        dev_url: Option<&str>,
    ) -> Result<Compared, MigrateError> {
        self.compare_schemas_on(pool.into(), dev_url).await
    }

    /// The body of [`Self::compare_schemas`], compiled once in this crate rather than in every
    /// caller.
    fn compare_schemas_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        dev_url: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Compared, MigrateError>> {
        Box::pin(async move {
            let dialect = match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(_) => Dialect::Sqlite,
                #[cfg(feature = "postgres")]
                DbPool::Postgres(_) => Dialect::Postgres,
            };
            if dialect == Dialect::Postgres && dev_url.is_none() {
                return Err(MigrateError::NoDevDatabase);
            }
            if dialect == Dialect::Sqlite && dev_url.is_some() {
                return Err(MigrateError::UnsupportedOption {
                    option: "dev_url",
                    applies_to: "PostgreSQL",
                    database: "SQLite",
                });
            }
            let (expected, expected_definitions) = self.expected_with_definitions(dev_url).await?;
            let others = self.recorded_prefixes(pool).await?;
            let live = Schema::read_without(pool, &self.tables).await?;
            let live_definitions = match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(pool) => read_definitions(pool).await?,
                #[cfg(feature = "postgres")]
                DbPool::Postgres(_) => Definitions::default(),
            };
            let (expected, live, drift) = self.drift_between(expected, live, &others);
            Ok(Compared {
                dialect,
                expected,
                expected_definitions,
                live,
                live_definitions,
                drift,
            })
        })
    }
}

/// The statements SQLite stored for the `main` database's objects.
#[cfg(feature = "sqlite")]
pub(crate) async fn read_definitions(pool: &sqlx::SqlitePool) -> Result<Definitions, MigrateError> {
    // language=SQLite
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT type, name, sql FROM main.sqlite_master
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(pool)
    .await
    .map_err(MigrateError::db("reading the database's stored statements"))?;
    Ok(Definitions(
        rows.into_iter()
            .map(|(kind, name, sql)| ((kind, name.to_ascii_lowercase()), sql))
            .collect(),
    ))
}
