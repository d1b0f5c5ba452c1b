//! The models against a migration set and a live database: both sides normalized by a
//! database (the models' tables made on one of their own and read back), then compared.

use super::error::{ModelsError, Problems};
use super::Models;
use crate::introspect::{
    compare, render, with_database, Definitions, Difference, Drift, FixMigration, ObjectKind,
    Schema, Script, Side,
};
use crate::{DbPool, MigrateError, Migrator, TableNames};
use schema_core::Dialect;
use serde::Serialize;

/// The migration that takes the migrations' schema to the models'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelsMigration {
    /// The up (migrations' schema to the models') and the down (back).
    pub migration: FixMigration,
    /// How the models differ from the migrations' schema: each object the migration makes,
    /// drops or changes, as `expected` (the models) against `live` (the migrations).
    pub differences: Vec<Difference>,
    /// The tables and columns renamed by `x-renamed-from`, as `old -> new` and
    /// `table.old -> new`.
    pub renamed: Vec<String>,
}

impl ModelsMigration {
    /// Whether the migrations make the models' schema already: nothing to write.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty() && self.renamed.is_empty()
    }
}

/// How a live database differs from the models, in all and model by model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelsDrift {
    /// Every difference, the models as `expected`.
    #[serde(flatten)]
    pub drift: Drift,
    /// The differences by model, in file order; one with `model` `None` holds those of
    /// tables no model makes.
    pub models: Vec<ModelDrift>,
}

impl ModelsDrift {
    /// Whether the database has the models' schema.
    pub fn is_empty(&self) -> bool {
        self.drift.is_empty()
    }
}

/// The differences of one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelDrift {
    /// The model's file; `None` for objects no model makes.
    pub model: Option<String>,
    /// Its differences.
    pub differences: Vec<Difference>,
}

impl Models {
    /// The models' schema as the database normalizes it, with the statements SQLite stored
    /// for it: made on a database of its own (in memory on SQLite, `dev_url` `None`; on
    /// PostgreSQL a scratch database on the `dev_url` server, dropped afterwards) and read
    /// back.
    pub async fn normalized(
        &self,
        dev_url: Option<&str>,
    ) -> Result<(Schema, Definitions), ModelsError> {
        check_dev_url(self.dialect, dev_url)?;
        let sql = self.to_sql();
        let read = with_database(dev_url, async |pool| {
            execute(pool, &sql, "making the models' tables").await?;
            read_side(pool, &TableNames::default()).await
        })
        .await?;
        Ok(read)
    }
}

impl Migrator<'_> {
    /// The reversible migration that takes the schema this migrator's set makes to the one
    /// `models` describe, with what differs. `dev_url`: `None` on SQLite; on PostgreSQL a
    /// server where scratch databases are made (see [`Migrator::expected_schema`]).
    ///
    /// A column of a model named by `x-renamed-from` is renamed; a table that loses a column
    /// and gains one of the same type without it is refused, since a rename cannot be told
    /// from a drop and an add.
    pub async fn migration_to_models(
        &self,
        models: &Models,
        dev_url: Option<&str>,
    ) -> Result<ModelsMigration, ModelsError> {
        check_dev_url(models.dialect, dev_url)?;
        let (target, target_defs) = models.normalized(dev_url).await?;
        let (source, source_defs) = self
            .with_migrated(dev_url, async |pool| read_side(pool, &self.tables).await)
            .await?;
        let renames = renames(models, &source);
        let (renamed, renamed_defs) = if renames.is_empty() {
            (source.clone(), source_defs.clone())
        } else {
            let sql: String = renames.iter().map(|r| r.sql(false)).collect();
            self.with_migrated(dev_url, async |pool| {
                execute(pool, &sql, "renaming the columns `x-renamed-from` names").await?;
                read_side(pool, &self.tables).await
            })
            .await?
        };
        ambiguous(models, &renamed, &target)?;
        let from = Side {
            schema: &renamed,
            definitions: &renamed_defs,
        };
        let to = Side {
            schema: &target,
            definitions: &target_defs,
        };
        let mut up = render(from, to, models.dialect);
        let mut down = render(to, from, models.dialect);
        if !renames.is_empty() {
            splice(
                &mut up,
                &renames.iter().map(|r| r.sql(false)).collect::<String>(),
                true,
            );
            splice(
                &mut down,
                &renames
                    .iter()
                    .rev()
                    .map(|r| r.sql(true))
                    .collect::<String>(),
                false,
            );
        }
        Ok(ModelsMigration {
            migration: FixMigration { up, down },
            // What the renames leave to do: a rename is listed in `renamed`, not as a drop
            // and an add.
            differences: differences(models.dialect, &target, &renamed),
            renamed: renames.iter().map(Rename::shown).collect(),
        })
    }

    /// How the live schema of `pool` differs from the models' (tracking tables left out), by
    /// model. `dev_url` as for [`Migrator::migration_to_models`].
    pub async fn diff_models<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        models: &Models,
        dev_url: Option<&str>,
    ) -> Result<ModelsDrift, ModelsError> {
        let pool = pool.into();
        let (target, _) = models.normalized(dev_url).await?;
        let live = Schema::read_without(pool, &self.tables).await?;
        let differences = differences(models.dialect, &target, &live);
        let mut by_model: Vec<ModelDrift> = Vec::new();
        for d in &differences {
            let model = table_of(d, &target, &live)
                .and_then(|t| models.model_of(&t))
                .map(str::to_owned);
            match by_model.iter_mut().find(|m| m.model == model) {
                Some(m) => m.differences.push(d.clone()),
                None => by_model.push(ModelDrift {
                    model,
                    differences: vec![d.clone()],
                }),
            }
        }
        by_model.sort_by(|a, b| (a.model.is_none(), &a.model).cmp(&(b.model.is_none(), &b.model)));
        Ok(ModelsDrift {
            drift: Drift {
                module: self.module.clone(),
                prefix: None,
                differences,
            },
            models: by_model,
        })
    }
}

/// The differences of `to` from `from`. On PostgreSQL, where `ALTER TABLE` adds a column at
/// the end and cannot move one, the order of a table's columns is not one of them: a property
/// added amid a model's keeps its place there, and its column goes last.
fn differences(dialect: Dialect, to: &Schema, from: &Schema) -> Vec<Difference> {
    let mut all = compare(to, from);
    if dialect == Dialect::Postgres {
        all.retain(|d| {
            !(d.kind == ObjectKind::Table && d.attribute.as_deref() == Some("column order"))
        });
    }
    all
}

/// PostgreSQL needs a server for scratch databases; SQLite needs none.
fn check_dev_url(dialect: Dialect, dev_url: Option<&str>) -> Result<(), MigrateError> {
    match (dialect, dev_url) {
        (Dialect::Postgres, None) => Err(MigrateError::NoDevDatabase),
        (Dialect::Postgres, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(MigrateError::UnsupportedOption {
            option: "dev_url",
            applies_to: "PostgreSQL",
            database: "SQLite",
        }),
    }
}

async fn execute(pool: DbPool<'_>, sql: &str, doing: &'static str) -> Result<(), MigrateError> {
    let done = match pool {
        #[cfg(feature = "sqlite")]
        DbPool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        #[cfg(feature = "postgres")]
        DbPool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
    };
    done.map_err(MigrateError::db(doing))
}

async fn read_side(
    pool: DbPool<'_>,
    tables: &TableNames,
) -> Result<(Schema, Definitions), MigrateError> {
    let schema = Schema::read_without(pool, tables).await?;
    let definitions = match pool {
        #[cfg(feature = "sqlite")]
        DbPool::Sqlite(pool) => crate::introspect::read_definitions(pool).await?,
        #[cfg(feature = "postgres")]
        DbPool::Postgres(_) => Definitions::default(),
    };
    Ok((schema, definitions))
}

/// A table or a column renamed by `x-renamed-from`.
struct Rename {
    /// For a column, its table (under its new name).
    table: Option<String>,
    old: String,
    new: String,
}

impl Rename {
    fn sql(&self, back: bool) -> String {
        let ident = crate::introspect::dump_ident;
        let (from, to) = if back {
            (&self.new, &self.old)
        } else {
            (&self.old, &self.new)
        };
        match &self.table {
            Some(table) => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};\n",
                ident(table),
                ident(from),
                ident(to)
            ),
            None => format!("ALTER TABLE {} RENAME TO {};\n", ident(from), ident(to)),
        }
    }

    fn shown(&self) -> String {
        match &self.table {
            Some(table) => format!("{table}.{} -> {}", self.old, self.new),
            None => format!("{} -> {}", self.old, self.new),
        }
    }
}

/// The renames the migrations' schema still needs: it has the old table and not the new one,
/// or its table has the old column and not the new one. Tables first, then columns (under
/// their tables' new names).
fn renames(models: &Models, source: &Schema) -> Vec<Rename> {
    let find = |name: &str| {
        source
            .tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    };
    let mut tables = Vec::new();
    let mut columns = Vec::new();
    for model in &models.models {
        let table = match (find(&model.table), &model.renamed_from) {
            (Some(table), _) => table,
            (None, Some(old)) => match find(old) {
                Some(table) => {
                    tables.push(Rename {
                        table: None,
                        old: table.name.clone(),
                        new: model.table.clone(),
                    });
                    table
                }
                None => continue,
            },
            (None, None) => continue,
        };
        let has = |name: &str| {
            table
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name))
        };
        for f in &model.fields {
            if let Some(old) = &f.renamed_from {
                if has(old) && !has(&f.column) {
                    columns.push(Rename {
                        table: Some(model.table.clone()),
                        old: old.clone(),
                        new: f.column.clone(),
                    });
                }
            }
        }
    }
    tables.extend(columns);
    tables
}

/// Refuses a table that loses a column and gains one of the same type: a rename or a drop and
/// an add, which the models must say.
fn ambiguous(models: &Models, from: &Schema, to: &Schema) -> Result<(), ModelsError> {
    let mut problems = Problems::default();
    for model in &models.models {
        let (Some(old), Some(new)) = (
            from.tables
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(&model.table)),
            to.tables
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(&model.table)),
        ) else {
            continue;
        };
        let gone: Vec<_> = old
            .columns
            .iter()
            .filter(|c| !new.columns.iter().any(|n| n.name == c.name))
            .collect();
        for added in new
            .columns
            .iter()
            .filter(|c| !old.columns.iter().any(|o| o.name == c.name))
        {
            let Some(dropped) = gone.iter().find(|g| g.data_type == added.data_type) else {
                continue;
            };
            let pointer = model
                .fields
                .iter()
                .find(|f| f.column == added.name)
                .map_or(String::new(), |f| f.pointer.clone());
            problems.add(
                &model.file,
                &pointer,
                format!("`{}.{}` is gone and `{}` of the same type is new: a rename, or a drop and an add?", model.table, dropped.name, added.name),
                format!("to rename it, add `\"x-renamed-from\": \"{}\"` to the property; to drop one and add the other, make two migrations: first without `{}`, then with `{}`", dropped.name, dropped.name, added.name),
            );
        }
    }
    problems.finish(())
}

/// Puts the renames `sql` first in the script or last. A `-- no-transaction` script (an
/// SQLite table rebuild) runs its own `BEGIN` … `COMMIT`: the renames go inside it, first
/// after its `BEGIN` or last before its `COMMIT`, so that a rebuild that fails leaves them
/// undone too.
fn splice(script: &mut Script, sql: &str, first: bool) {
    let body = script
        .sql
        .replace("-- Nothing to change: both schemas are the same.\n", "");
    let body = body.trim_end_matches("-- Nothing to change: both schemas are the same.");
    let mut lines: Vec<&str> = body.lines().collect();
    let own_transaction = if first {
        lines.iter().position(|l| *l == "BEGIN;").map(|i| i + 1)
    } else {
        lines.iter().rposition(|l| *l == "COMMIT;")
    };
    script.sql = match own_transaction {
        Some(at) if script.no_transaction => {
            let sql = sql.trim_end();
            lines.insert(at, sql);
            let mut out = lines.join("\n");
            out.push('\n');
            out
        }
        _ if first => match body.strip_prefix("-- no-transaction\n") {
            Some(rest) => format!("-- no-transaction\n{sql}{rest}"),
            None => format!("{sql}{body}"),
        },
        _ if body.trim().is_empty() => sql.to_owned(),
        _ => format!("{}\n{sql}", body.trim_end()),
    };
}

/// The table a difference is about.
fn table_of(d: &Difference, target: &Schema, live: &Schema) -> Option<String> {
    match d.kind {
        ObjectKind::Index => target
            .indexes
            .iter()
            .chain(&live.indexes)
            .find(|i| i.name == d.name)
            .map(|i| i.table.clone()),
        ObjectKind::Table
        | ObjectKind::Column
        | ObjectKind::PrimaryKey
        | ObjectKind::Unique
        | ObjectKind::Check
        | ObjectKind::ForeignKey => {
            let end = d.name.find(['.', '(', ':']).unwrap_or(d.name.len());
            Some(d.name[..end].to_owned())
        }
        _ => None,
    }
}
