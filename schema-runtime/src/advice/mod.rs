//! Index advice: what a schema and the application's queries say about its indexes.
//!
//! # Example
//!
//! ```ignore
//! use schema_runtime::advice::{self, Query};
//!
//! let queries = vec![Query::new("SELECT * FROM posts WHERE user_id = ? ORDER BY updated_at DESC", "src/posts.rs", 12)];
//! let advice = MIGRATIONS.migrator().advise(None, &queries).await?;   // SQLite, in memory
//! for finding in &advice.findings {
//!     println!("{finding}");
//! }
//! let sql = advice.migration(Dialect::Sqlite);                        // up and down
//! ```
//!
//! # Details
//!
//! - From the schema alone ([`advise_schema`]): a foreign key whose columns lead no index (nor
//!   the primary key or a unique constraint), and an index that another makes useless: the
//!   same keys (a duplicate), or the first keys of a longer one (redundant), with the same
//!   method, predicate and included columns; a unique index is never redundant to a longer
//!   or non-unique one, since it enforces something the other does not.
//! - From the queries ([`advise`], [`Migrator::advise`](crate::Migrator::advise)): each is
//!   planned by the database (`EXPLAIN QUERY PLAN` on SQLite; on PostgreSQL a generic plan of
//!   the prepared query with `enable_seqscan` and `enable_sort` off, so that an index that can
//!   serve it is chosen even on empty tables), and each read of a whole table that has a filter
//!   an index could serve, and each sort in a temporary B-tree, is a finding, with the index
//!   that serves it: the columns of the equality filters, then those of the `ORDER BY` (with
//!   `DESC` as asked), or else of one range filter.
//! - Nothing is written to the database: queries are only planned, and on a live PostgreSQL
//!   database in a read-only transaction rolled back afterwards.

mod indexes;
mod migration;
mod plan;
mod query;

pub use indexes::advise_schema;
pub use migration::{Changes, MigrationSql};

use crate::introspect::Schema;
use crate::{DbPool, MigrateError, Migrator, TableNames};
use serde::Serialize;
use std::fmt;

/// One query of the application, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    /// The SQL: one statement, with `?`, `?NNN` or `$N` parameters.
    pub sql: String,
    /// The file it comes from, as the user names it (`queries/feed.sql`, `src/posts.rs`).
    pub file: String,
    /// The 1-based line of its first character in that file.
    pub line: usize,
}

impl Query {
    /// A query found at `file:line`.
    pub fn new(sql: impl Into<String>, file: impl Into<String>, line: usize) -> Query {
        Query {
            sql: sql.into(),
            file: file.into(),
            line,
        }
    }
}

/// One key of an index the advice suggests: a column, ascending or descending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexKey {
    /// The column.
    pub column: String,
    /// Whether the key is `DESC`.
    pub descending: bool,
}

impl fmt::Display for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.column)?;
        if self.descending {
            f.write_str(" DESC")?;
        }
        Ok(())
    }
}

/// An index the advice suggests creating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewIndex {
    /// Its name: `<table>_<columns>_idx`, made unique in the schema.
    pub name: String,
    /// The table (on PostgreSQL qualified unless in `public`).
    pub table: String,
    /// The keys, in order.
    pub keys: Vec<IndexKey>,
}

impl NewIndex {
    /// `table (a, b DESC)`.
    pub fn target(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(IndexKey::to_string).collect();
        format!("{} ({})", self.table, keys.join(", "))
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A foreign key whose columns lead no index: each delete or key update of the referenced
    /// table reads the whole referencing table.
    UnindexedForeignKey,
    /// An index with the same keys as another.
    DuplicateIndex,
    /// An index whose keys are the first keys of another.
    RedundantIndex,
    /// A query reads a whole table although it filters it.
    FullScan,
    /// A query sorts its rows in a temporary B-tree (`ORDER BY`, `GROUP BY`).
    TemporarySort,
    /// The database could not plan a query: it is shown with the database's message.
    QueryFailed,
}

impl FindingKind {
    /// The kind as `--json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::UnindexedForeignKey => "unindexed_foreign_key",
            FindingKind::DuplicateIndex => "duplicate_index",
            FindingKind::RedundantIndex => "redundant_index",
            FindingKind::FullScan => "full_scan",
            FindingKind::TemporarySort => "temporary_sort",
            FindingKind::QueryFailed => "query_failed",
        }
    }
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it is about.
    pub kind: FindingKind,
    /// The table, when it is about one.
    pub table: Option<String>,
    /// What was found, one line.
    pub message: String,
    /// The query, for a finding about one.
    pub query: Option<Query>,
    /// The lines of the plan that show it (SQLite's `EXPLAIN QUERY PLAN` details; PostgreSQL's
    /// plan nodes).
    pub plan: Vec<String>,
    /// The index to create.
    pub create: Option<NewIndex>,
    /// The index to drop (a duplicate or redundant one).
    pub drop: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(index) = &self.create {
            write!(f, "; create index `{}` on {}", index.name, index.target())?;
        }
        if let Some(index) = &self.drop {
            write!(f, "; drop index `{index}`")?;
        }
        Ok(())
    }
}

/// Everything the advice found, in order: the schema's findings by table, then the queries'
/// in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// The findings.
    pub findings: Vec<Finding>,
    /// How many queries were planned.
    pub queries: usize,
    /// The indexes to create and drop, merged: an index that another suggested one starts
    /// with is left out, and an existing index the new ones make redundant is dropped.
    pub changes: Changes,
}

impl Advice {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The advice on the schema of `pool` (read as [`Schema::read`] does) and on `queries`,
/// planned on that database. Nothing is written to it.
pub async fn advise<'p>(
    pool: impl Into<DbPool<'p>>,
    queries: &[Query],
) -> Result<Advice, MigrateError> {
    advise_without(pool, &TableNames::default(), queries).await
}

/// [`advise`] on a database whose tracking tables are `tables` (left out of the schema, as
/// [`Schema::read_without`] does).
pub async fn advise_without<'p>(
    pool: impl Into<DbPool<'p>>,
    tables: &TableNames,
    queries: &[Query],
) -> Result<Advice, MigrateError> {
    let pool = pool.into();
    let schema = Schema::read_without(pool, tables).await?;
    advise_with(pool, &schema, queries).await
}

/// The advice on `schema`, the schema of `pool`, and on `queries` planned there.
async fn advise_with(
    pool: DbPool<'_>,
    schema: &Schema,
    queries: &[Query],
) -> Result<Advice, MigrateError> {
    advise_within(pool, schema, schema, queries).await
}

/// The advice on the objects of `own`, part of `schema`, the schema of `pool`: on `own`'s
/// tables, and on `queries` planned on `pool` where they read one of them. New index names
/// are chosen among every name of `schema`.
async fn advise_within(
    pool: DbPool<'_>,
    schema: &Schema,
    own: &Schema,
    queries: &[Query],
) -> Result<Advice, MigrateError> {
    let owns = |table: &str| own.tables.iter().any(|t| t.name == table);
    let mut findings = advise_schema(own);
    for q in queries {
        let found = plan::advise_query(pool, schema, q).await?;
        findings.extend(
            found
                .into_iter()
                .filter(|f| f.table.as_deref().is_none_or(owns)),
        );
    }
    migration::name_indexes(schema, &mut findings);
    let changes = Changes::of(schema, &findings);
    Ok(Advice {
        findings,
        queries: queries.len(),
        changes,
    })
}

impl Migrator<'_> {
    /// The advice on the schema this migrator's set makes and on `queries` planned there: the
    /// set is applied to a database of its own, in memory on SQLite (`dev_url` `None`), or on
    /// PostgreSQL to a scratch database created on the server `dev_url` reaches and dropped
    /// afterwards (as [`Migrator::expected_schema`]).
    pub async fn advise(
        &self,
        dev_url: Option<&str>,
        queries: &[Query],
    ) -> Result<Advice, MigrateError> {
        self.with_migrated(dev_url, async |pool| {
            let schema = Schema::read_without(pool, &self.tables).await?;
            advise_with(pool, &schema, queries).await
        })
        .await
    }

    /// The advice on the live schema of `pool` as this migrator's module sees it (see
    /// [`Migrator::live_schema`]: for a module with a table prefix only its own objects, and
    /// never the other modules' prefixed ones), and on `queries` planned there where they read
    /// one of its tables. Nothing is written to the database.
    pub async fn advise_live<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        queries: &[Query],
    ) -> Result<Advice, MigrateError> {
        let pool = pool.into();
        let recorded = self.recorded_prefixes(pool).await?;
        let schema = Schema::read_without(pool, &self.tables).await?;
        let own = self.own_objects(schema.clone(), &recorded, None);
        advise_within(pool, &schema, &own, queries).await
    }
}

/// A table's name without its schema.
fn unqualified(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}
