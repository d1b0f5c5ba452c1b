//! Models: a folder of JSON Schema documents (draft 2020-12 or draft 7), one per table, read
//! into the introspection model of a schema ([`Schema`]) for PostgreSQL or SQLite; the
//! migration that takes the migrations' schema to the models'; the drift of a live database
//! from the models.
//!
//! # Example
//!
//! ```ignore
//! use schema_runtime::models::Models;
//!
//! let models = Models::load("models", schema_core::Dialect::Sqlite)?;
//! let change = MIGRATIONS.migrator().migration_to_models(&models, None).await?;
//! if !change.is_empty() {
//!     println!("{}", change.migration.up.sql);
//! }
//! let drift = MIGRATIONS.migrator().diff_models(&pool, &models, None).await?;
//! ```
//!
//! # Details
//!
//! - A model is a `.json` file of the folder: its name (without `.json`) is the table's,
//!   unless `x-table` names another; each property is a column, in the document's order.
//! - `type` and `format` choose the column type (see `docs/models.md` for the table per
//!   database); `required` makes a column `NOT NULL`; `enum`, `minimum`/`maximum` and
//!   `minLength`/`maxLength` make checks; `default` (or `x-default-sql`) the default; a `$ref`
//!   to another model a foreign key; an array of `$ref` a join table.
//! - Table settings are `x-` keywords: `x-table`, `x-primary-key`, `x-indexes`, `x-unique`,
//!   `x-partition-by` (PostgreSQL).
//! - Every problem of the folder is reported at once, each with its file and JSON pointer
//!   ([`Problem`]); nothing is written while there is one.
//! - The models' schema is compared as the database normalizes it: it is made on a database
//!   of its own (in memory on SQLite, a scratch database on PostgreSQL) and read back.

mod compare;
mod error;
mod kind;
mod load;
mod map;
mod names;
mod property;
mod resolve;
mod types;

#[cfg(test)]
mod tests;

pub use compare::{ModelDrift, ModelsDrift, ModelsMigration};
pub use error::{ModelsError, Problem};

use crate::introspect::Schema;
use error::Problems;
use load::Model;
use schema_core::Dialect;
use std::path::Path;

/// A folder of models read for one database.
#[derive(Debug, Clone)]
pub struct Models {
    dialect: Dialect,
    models: Vec<Model>,
    schema: Schema,
}

impl Models {
    /// Reads every `.json` document of `dir` as a model for `dialect`'s database, and maps
    /// them into the schema they describe. Every problem is reported, each naming its file
    /// (as `dir` is given) and JSON pointer.
    pub fn load(dir: impl AsRef<Path>, dialect: Dialect) -> Result<Models, ModelsError> {
        let dir = dir.as_ref();
        let mut problems = Problems::default();
        let documents = load::read_folder(dir, &dir.display().to_string(), &mut problems);
        let models: Vec<Model> = documents
            .iter()
            .filter_map(|doc| load::model(doc, &documents, dialect, &mut problems))
            .collect();
        if !problems.0.is_empty() {
            return problems.finish(Models {
                dialect,
                models,
                schema: Schema::default(),
            });
        }
        let schema = map::schema(&models, dialect, &mut problems);
        problems.finish(Models {
            dialect,
            models,
            schema,
        })
    }

    /// The database the models were read for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The schema the models describe, as written: the database spells some of it its own
    /// way when it makes it (see [`Models::normalized`]).
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The statements that make the models' tables on an empty database.
    pub fn to_sql(&self) -> String {
        self.schema.to_sql(self.dialect)
    }

    /// Each model's file and table, in file order.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.models
            .iter()
            .map(|m| (m.file.as_str(), m.table.as_str()))
    }

    /// The file of the model that makes the table `table` (its own, or a join table of it).
    pub fn model_of(&self, table: &str) -> Option<&str> {
        let table = table.to_ascii_lowercase();
        self.models.iter().find_map(|m| {
            let join = |l: &property::Link| {
                l.join_table
                    .clone()
                    .unwrap_or_else(|| format!("{}_{}", m.table, l.property))
            };
            let owns = m.table.to_ascii_lowercase() == table
                || m.links
                    .iter()
                    .any(|l| join(l).to_ascii_lowercase() == table);
            owns.then_some(m.file.as_str())
        })
    }
}
