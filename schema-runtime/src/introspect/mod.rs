//! Introspection: a live database's schema read into one typed model ([`Schema`]), the schema
//! an embedded set produces, and the differences between the two ([`Drift`]).
//!
//! # Example
//!
//! ```ignore
//! let live = schema_runtime::introspect::Schema::read(&pool).await?;
//! println!("{}", serde_json::to_string_pretty(&live)?);
//!
//! let drift = MIGRATIONS.verify_schema(&pool).await?;          // SQLite
//! let drift = MIGRATIONS.verify_schema_with_dev(&pool, dev_url).await?;   // PostgreSQL
//! for difference in &drift.differences {
//!     println!("{difference}");
//! }
//! ```
//!
//! # Details
//!
//! - The model is normalized, so that equal schemas read as equal values: names as the
//!   database folds them (SQLite's in lower case), types in PostgreSQL's spelling, expressions
//!   as the database prints them (on SQLite, which keeps them as written: one spacing, case
//!   and quoting), every list in a fixed order.
//! - Left out: this crate's tracking tables, other migration tools' history tables (a
//!   `schema_migrations` only in a tracker's layout: see `other_tools_tables`), SQLite's
//!   own tables and the shadow tables of its virtual tables, PostgreSQL's system schemas and
//!   what an extension owns.

mod boot_check;
mod diff;
mod dump;
mod expected;
mod fix;
mod migration;
mod model;
mod objects;
#[cfg(feature = "postgres")]
mod postgres;
mod scratch;
#[cfg(feature = "sqlite")]
mod sql_text;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod types;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use boot_check::BootCheck;
pub use boot_check::{SchemaCheck, SchemaCheckOutcome};
pub use diff::{compare, Change, Difference, Drift, ObjectKind};
#[cfg(feature = "models")]
pub(crate) use dump::ident as dump_ident;
#[cfg(feature = "advice")]
pub(crate) use dump::qualified as qualified_name;
#[cfg(all(feature = "models", feature = "sqlite"))]
pub(crate) use fix::read_definitions;
pub use fix::Compared;
pub use migration::{fix_migration, render, Definitions, Direction, FixMigration, Script, Side};
pub use model::{
    Check, Column, Enum, ForeignKey, Generated, Index, PrimaryKey, Schema, Sequence, Table,
    Trigger, Unique, View,
};
#[cfg(feature = "models")]
pub(crate) use scratch::with_database;

use crate::backend::Backend;
use crate::migrator::with_backend;
use crate::{DbPool, MigrateError, OtherTool, TableNames};
use futures_util::future::BoxFuture;
use std::collections::HashSet;

impl Schema {
    /// Reads the schema of the database `pool` reaches, without this crate's tracking tables
    /// under their default names and without other migration tools' history tables (a
    /// `schema_migrations` only in a tracker's layout: a `version` column, with at most
    /// golang-migrate's `dirty` or Ecto's `inserted_at` beside it).
    pub async fn read<'p>(pool: impl Into<DbPool<'p>>) -> Result<Schema, MigrateError> {
        Schema::read_without(pool, &TableNames::default()).await
    }

    /// [`Schema::read`] for a database whose tracking tables are `tables`.
    pub async fn read_without<'p>(
        pool: impl Into<DbPool<'p>>,
        tables: &TableNames,
    ) -> Result<Schema, MigrateError> {
        Schema::read_on(pool.into(), tables).await
    }

    /// The body of [`Schema::read_without`], compiled once in this crate rather than in every
    /// caller.
    fn read_on<'a>(
        pool: DbPool<'a>,
        tables: &'a TableNames,
    ) -> BoxFuture<'a, Result<Schema, MigrateError>> {
        Box::pin(async move {
            let read = match pool {
                #[cfg(feature = "sqlite")]
                DbPool::Sqlite(pool) => sqlite::read(pool).await,
                #[cfg(feature = "postgres")]
                DbPool::Postgres(pool) => postgres::read(pool).await,
            };
            let mut schema = read.map_err(MigrateError::db("reading the database's schema"))?;
            let tracking: Vec<String> = [&tables.migrations, &tables.history, &tables.modules]
                .into_iter()
                .map(|t| t.to_ascii_lowercase())
                .chain(other_tools_tables(&schema).map(str::to_owned))
                .collect();
            schema.retain(|name| !tracking.iter().any(|t| t == name));
            schema.sort();
            Ok(schema)
        })
    }

    /// The objects of a module whose names start with `prefix`: tables, views, sequences and
    /// enums so named, and indexes and triggers so named or on a table so named. Schemas
    /// (namespaces) are left out: a module owns none.
    pub fn only_prefixed(mut self, prefix: &str) -> Schema {
        let prefixed = |name: &str| unqualified(name).starts_with(prefix);
        self.schemas.clear();
        self.tables.retain(|t| prefixed(&t.name));
        self.views.retain(|v| prefixed(&v.name));
        self.sequences.retain(|s| prefixed(&s.name));
        self.enums.retain(|e| prefixed(&e.name));
        self.indexes
            .retain(|i| prefixed(&i.name) || prefixed(&i.table));
        self.triggers
            .retain(|t| prefixed(&t.name) || prefixed(&t.table));
        self
    }

    /// Without the objects [`Schema::only_prefixed`] gives for any of `prefixes`: what the
    /// other modules of a database own.
    pub fn without_prefixed(self, prefixes: &[&str]) -> Schema {
        self.without_prefixed_except(prefixes, &HashSet::new())
    }

    /// [`Schema::without_prefixed`], keeping the objects named in `kept` (and the indexes and
    /// triggers of the tables named there, unless their own name is another's).
    fn without_prefixed_except(mut self, prefixes: &[&str], kept: &HashSet<&str>) -> Schema {
        let gone = |name: &str| {
            !kept.contains(name) && {
                let name = unqualified(name);
                prefixes.iter().any(|p| name.starts_with(p))
            }
        };
        self.tables.retain(|t| !gone(&t.name));
        self.views.retain(|v| !gone(&v.name));
        self.sequences.retain(|s| !gone(&s.name));
        self.enums.retain(|e| !gone(&e.name));
        self.indexes.retain(|i| !gone(&i.name) && !gone(&i.table));
        self.triggers.retain(|t| !gone(&t.name) && !gone(&t.table));
        self
    }

    /// The names of every table, view, sequence, enum, index and trigger.
    fn object_names(&self) -> HashSet<&str> {
        let tables = self.tables.iter().map(|t| t.name.as_str());
        let views = self.views.iter().map(|v| v.name.as_str());
        let sequences = self.sequences.iter().map(|s| s.name.as_str());
        let enums = self.enums.iter().map(|e| e.name.as_str());
        let indexes = self.indexes.iter().map(|i| i.name.as_str());
        let triggers = self.triggers.iter().map(|t| t.name.as_str());
        tables
            .chain(views)
            .chain(sequences)
            .chain(enums)
            .chain(indexes)
            .chain(triggers)
            .collect()
    }

    /// Keeps the tables (with their indexes and triggers) `keep` says yes to.
    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.tables.retain(|t| keep(&t.name));
        self.indexes.retain(|i| keep(&i.table));
        self.triggers.retain(|t| keep(&t.table));
        self.sequences.retain(|s| {
            s.owned_by
                .as_deref()
                .is_none_or(|o| keep(o.rsplit_once('.').map_or(o, |(t, _)| t)))
        });
    }

    /// Every list in name order.
    fn sort(&mut self) {
        use crate::order::sort_by;
        sort_by(&mut self.schemas, Ord::cmp);
        sort_by(&mut self.tables, |a, b| a.name.cmp(&b.name));
        sort_by(&mut self.views, |a, b| a.name.cmp(&b.name));
        sort_by(&mut self.indexes, |a, b| a.name.cmp(&b.name));
        sort_by(&mut self.triggers, |a, b| {
            (&a.table, &a.name).cmp(&(&b.table, &b.name))
        });
        sort_by(&mut self.sequences, |a, b| a.name.cmp(&b.name));
        sort_by(&mut self.enums, |a, b| a.name.cmp(&b.name));
    }
}

/// The names of other migration tools' history tables to leave out of `schema`: each tool's
/// table under the name it gives it, unless `schema` has a table of that name that is not laid
/// out as a history ([`OtherTool::keeps_history_in`]: an application's own
/// `schema_migrations`), which is compared like the rest.
fn other_tools_tables(schema: &Schema) -> impl Iterator<Item = &'static str> + '_ {
    OtherTool::TOOLS.into_iter().filter_map(move |tool| {
        let name = tool.default_table();
        let applications = schema.tables.iter().any(|t| {
            t.name == name && !tool.keeps_history_in(t.columns.iter().map(|c| c.name.as_str()))
        });
        (!applications).then_some(name)
    })
}

impl crate::Migrator<'_> {
    /// The live schema of `pool` as this migrator sees it: without its tracking tables (and
    /// other migration tools' history tables), and, for a set with a table prefix
    /// ([`Migrations::prefix`](crate::Migrations::prefix)), only the module's own objects
    /// ([`Schema::only_prefixed`]); never the objects of the table prefixes the other modules
    /// of the database recorded in the modules table. What `schema dump` prints and
    /// `schema diagram` draws.
    pub async fn live_schema<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Schema, MigrateError> {
        let pool = pool.into();
        let others = self.recorded_prefixes(pool).await?;
        let live = Schema::read_without(pool, &self.tables).await?;
        Ok(self.own_objects(live, &others, None))
    }

    /// The table prefixes the modules table of `pool` records (each run records its set's,
    /// see [`Migrations::prefix`](crate::Migrations::prefix)): this module's, for a tool that
    /// has its folder without the prefix, and the other modules', which a tool that has this
    /// module's set only learns of there. Nothing when the table does not exist, or was
    /// created by a version that recorded no prefix.
    pub(crate) fn recorded_prefixes<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Recorded, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            let rows = with_backend!(self, pool, ctx, |b| b.modules().await)?;
            let mut recorded = Recorded::default();
            for row in rows {
                match row.prefix {
                    Some(prefix) if row.module == self.module => recorded.own = Some(prefix),
                    Some(prefix) => recorded.others.push(prefix),
                    None => {}
                }
            }
            Ok(recorded)
        })
    }

    /// This module's table prefix: its set's, else the one the database records for it.
    pub(crate) fn own_prefix<'r>(&'r self, recorded: &'r Recorded) -> Option<&'r str> {
        self.migrations.prefix().or(recorded.own.as_deref())
    }

    /// The objects of `schema` that are this module's: for a module with a table prefix (its
    /// set's, or the one `recorded` for it), those with it; and not those of the other
    /// modules' prefixes (a registry's, and those `recorded`), unless `ours` (the schema the
    /// module's migrations make) has an object of that name: what the module creates is
    /// always compared, whatever another module's prefix says.
    pub(crate) fn own_objects(
        &self,
        schema: Schema,
        recorded: &Recorded,
        ours: Option<&Schema>,
    ) -> Schema {
        let own = self.own_prefix(recorded);
        // A prefix another module's is part of (`notes_` and `notes_archive_`) is left to
        // `only_prefixed`: the other's objects have the longer one.
        let others: Vec<&str> = self
            .other_prefixes
            .iter()
            .copied()
            .chain(recorded.others.iter().map(String::as_str))
            .filter(|other| !other.is_empty())
            .filter(|other| own.is_none_or(|own| !own.starts_with(other)))
            .collect();
        let schema = match own {
            Some(prefix) => schema.only_prefixed(prefix),
            None => schema,
        };
        let ours: HashSet<&str> = ours.map(Schema::object_names).unwrap_or_default();
        schema.without_prefixed_except(&others, &ours)
    }
}

/// The table prefixes a database's modules table records ([`Migrator::recorded_prefixes`]).
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    /// The one recorded for the migrator's module.
    pub own: Option<String>,
    /// Those of the other modules.
    pub others: Vec<String>,
}

/// `name` without its schema.
fn unqualified(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}
