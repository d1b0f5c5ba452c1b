//! The optional check at boot ([`Migrator::schema_check`]): has the live schema changed since
//! the module's migrations were last applied?
//!
//! Cheap by design: no expected schema is built (no migration is applied anywhere, no dev
//! database on PostgreSQL). When a run with the check on applies migrations, the module's
//! objects are read ([`Migrator::live_schema`]) and one short hash per object is stored in the
//! module's row of the modules table (column `schema_objects`, added when missing, nullable, so
//! that databases and versions that do not know it work unchanged). At the next boot the
//! objects are read again and their hashes compared with the stored ones; only when they
//! differ are the objects named.

use super::model::Schema;
use crate::{DbPool, MigrateError, Migrator, Report};
use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use tracing::warn;

/// What a run does about the live schema ([`Migrator::schema_check`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaCheck {
    /// Nothing: no read of the schema, nothing stored. The default.
    #[default]
    Off,
    /// A changed schema is logged as a warning and listed in [`Report::schema_check`]; the
    /// run goes on.
    Warn,
    /// A changed schema refuses the run before anything is applied
    /// ([`MigrateError::SchemaChanged`]).
    Refuse,
}

/// What the check found ([`Report::schema_check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaCheckOutcome {
    /// The module's objects are as they were when its migrations were last applied.
    Unchanged,
    /// Nothing to compare with (the first run with the check on, or migrations applied since
    /// by a run with it off), or this run applied migrations: the schema as it now is was
    /// recorded for the next boot.
    Recorded,
    /// Objects changed since the last recording, each as `changed table `items``, `extra
    /// index `by_note``, `missing view `totals``: changed and extra objects first, then
    /// missing ones, each group by kind (table, view, index, trigger, ...) and name. Only under
    /// [`SchemaCheck::Warn`]; [`SchemaCheck::Refuse`] fails instead.
    Changed(Vec<String>),
}

/// How [`Migrator::run`] reaches the check ([`Migrator::schema_check`] sets it): the run,
/// with the check around it.
pub(crate) type BootCheck = for<'a, 'm> fn(
    &'a Migrator<'m>,
    DbPool<'a>,
    BoxFuture<'a, Result<Report, MigrateError>>,
) -> BoxFuture<'a, Result<Report, MigrateError>>;

/// The column of the modules table that holds the recorded objects.
const COLUMN: &str = "schema_objects";

impl Migrator<'_> {
    /// Checks at each run that the live schema of the module's objects has not changed since
    /// its migrations were last applied (a hand-made `ALTER TABLE`, an index added from a
    /// console, a restore from an old backup): [`SchemaCheck::Warn`] logs and reports it,
    /// [`SchemaCheck::Refuse`] fails the run before anything is applied. Off by default.
    ///
    /// The first run with the check on records the schema as it finds it; so does every run
    /// that applies migrations. A run costs one read of the schema (a few catalog queries)
    /// and of one tracking row. For what the migrations make, compare with
    /// [`Migrator::verify_schema`] instead.
    pub fn schema_check(mut self, check: SchemaCheck) -> Self {
        self.schema_check = check;
        self.boot_check = Some(|migrator, pool, run| Box::pin(migrator.run_checked(pool, run)));
        self
    }

    /// Records the live schema of the module's objects as the one [`Migrator::schema_check`]
    /// compares with: after a change made by hand on purpose, or to start checking without a
    /// run. Does nothing when the module has no row yet (nothing applied).
    pub async fn record_schema<'p>(&self, pool: impl Into<DbPool<'p>>) -> Result<(), MigrateError> {
        self.record_schema_on(pool.into()).await
    }

    /// The body of [`Self::record_schema`], compiled once in this crate rather than in every
    /// caller.
    fn record_schema_on<'a>(&'a self, pool: DbPool<'a>) -> BoxFuture<'a, Result<(), MigrateError>> {
        Box::pin(async move {
            let Some((fingerprint, _)) = self.stored(pool).await? else {
                return Ok(());
            };
            let live = self.live_schema(pool).await?;
            self.store(pool, &record(&fingerprint, &live)).await
        })
    }

    /// The run with the check around it: the schema compared before anything is applied,
    /// recorded again after a run that applied migrations.
    async fn run_checked(
        &self,
        pool: DbPool<'_>,
        run: BoxFuture<'_, Result<Report, MigrateError>>,
    ) -> Result<Report, MigrateError> {
        if self.schema_check == SchemaCheck::Off {
            return run.await;
        }
        let before = self.compare(pool).await?;
        let mut report = run.await?;
        let changed_by_run = !report.applied.is_empty() || report.adopted.is_some();
        let outcome = match before {
            Some(outcome) if !changed_by_run => outcome,
            _ => {
                self.record_schema(pool).await?;
                SchemaCheckOutcome::Recorded
            }
        };
        report.schema_check = Some(outcome);
        Ok(report)
    }

    /// The live schema against the recorded one: `None` when there is nothing valid to
    /// compare with.
    async fn compare(&self, pool: DbPool<'_>) -> Result<Option<SchemaCheckOutcome>, MigrateError> {
        let Some((fingerprint, Some(stored))) = self.stored(pool).await? else {
            return Ok(None);
        };
        let Some(recorded) = stored
            .strip_prefix(&header(&fingerprint))
            .and_then(|rest| rest.strip_prefix('\n'))
        else {
            // Recorded under other migrations (applied since with the check off) or another
            // version of this crate, whose model may read the same schema otherwise.
            return Ok(None);
        };
        let prefixes = self.recorded_prefixes(pool).await?;
        let whole = Schema::read_without(pool, &self.tables).await?;
        let current = hashes(&self.own_objects(whole.clone(), &prefixes, None));
        if current.join("\n") == recorded {
            return Ok(Some(SchemaCheckOutcome::Unchanged));
        }
        // An object recorded as this module's that is now another module's (a module sharing
        // the database recorded its table prefix since) and is unchanged is not a change.
        let ours: HashSet<&str> = current.iter().map(String::as_str).collect();
        let everywhere = hashes(&whole);
        let everywhere: HashSet<&str> = everywhere.iter().map(String::as_str).collect();
        let recorded = recorded
            .lines()
            .filter(|line| ours.contains(line) || !everywhere.contains(line))
            .collect::<Vec<_>>()
            .join("\n");
        let recorded = recorded.as_str();
        if current.join("\n") == recorded {
            return Ok(Some(SchemaCheckOutcome::Unchanged));
        }
        // A peer that applied migrations between the two reads changed the schema, not a
        // person: compare again at the next boot.
        if self.stored(pool).await?.map(|(f, _)| f) != Some(fingerprint) {
            return Ok(None);
        }
        let objects = differences(recorded, &current);
        if self.schema_check == SchemaCheck::Refuse {
            return Err(MigrateError::SchemaChanged {
                module: self.module.clone(),
                objects,
            });
        }
        warn!(
            module = %self.module,
            objects = %objects.join(", "),
            "the live schema changed since the module's migrations were last applied"
        );
        Ok(Some(SchemaCheckOutcome::Changed(objects)))
    }

    /// The module row's fingerprint of its applied migrations and the recorded objects;
    /// `None` without a modules table or a row.
    async fn stored(
        &self,
        pool: DbPool<'_>,
    ) -> Result<Option<(String, Option<String>)>, MigrateError> {
        let table = quoted(&self.tables.modules);
        let context = "reading the recorded schema of the module";
        match pool {
            #[cfg(feature = "sqlite")]
            DbPool::Sqlite(pool) => {
                if !self.sqlite_column(pool).await? {
                    return Ok(None);
                }
                // language=SQLite
                let sql = format!("SELECT fingerprint, {COLUMN} FROM {table} WHERE module = ?1");
                sqlx::query_as(&sql)
                    .bind(&self.module)
                    .fetch_optional(pool)
                    .await
                    .map_err(MigrateError::db(context))
            }
            #[cfg(feature = "postgres")]
            DbPool::Postgres(pool) => {
                if !self.pg_column(pool).await? {
                    return Ok(None);
                }
                // language=PostgreSQL
                let sql = format!("SELECT fingerprint, {COLUMN} FROM {table} WHERE module = $1");
                sqlx::query_as(&sql)
                    .bind(&self.module)
                    .fetch_optional(pool)
                    .await
                    .map_err(MigrateError::db(context))
            }
        }
    }

    async fn store(&self, pool: DbPool<'_>, objects: &str) -> Result<(), MigrateError> {
        let table = quoted(&self.tables.modules);
        let context = "recording the schema of the module";
        match pool {
            #[cfg(feature = "sqlite")]
            DbPool::Sqlite(pool) => {
                // language=SQLite
                let sql = format!("UPDATE {table} SET {COLUMN} = ?1 WHERE module = ?2");
                sqlx::query(&sql)
                    .bind(objects)
                    .bind(&self.module)
                    .execute(pool)
                    .await
                    .map_err(MigrateError::db(context))?;
            }
            #[cfg(feature = "postgres")]
            DbPool::Postgres(pool) => {
                // language=PostgreSQL
                let sql = format!("UPDATE {table} SET {COLUMN} = $1 WHERE module = $2");
                sqlx::query(&sql)
                    .bind(objects)
                    .bind(&self.module)
                    .execute(pool)
                    .await
                    .map_err(MigrateError::db(context))?;
            }
        }
        Ok(())
    }

    /// Whether the modules table exists, its `schema_objects` column added when missing.
    #[cfg(feature = "sqlite")]
    async fn sqlite_column(&self, pool: &sqlx::SqlitePool) -> Result<bool, MigrateError> {
        let columns_sql = match self.tables.modules.split_once('.') {
            Some((schema, table)) => format!(
                "SELECT name FROM {}.pragma_table_info({})",
                quoted(schema),
                literal(table)
            ),
            None => format!(
                "SELECT name FROM pragma_table_info({})",
                literal(&self.tables.modules)
            ),
        };
        let columns: Vec<String> = sqlx::query_scalar(&columns_sql)
            .fetch_all(pool)
            .await
            .map_err(MigrateError::db("reading the modules table's columns"))?;
        if columns.is_empty() {
            return Ok(false);
        }
        if !columns.iter().any(|c| c == COLUMN) {
            let add = format!(
                "ALTER TABLE {} ADD COLUMN {COLUMN} TEXT",
                quoted(&self.tables.modules)
            );
            let added = sqlx::query(&add).execute(pool).await;
            // A peer may have added it in between.
            if let Err(e) = added {
                if !e.to_string().contains("duplicate column") {
                    return Err(MigrateError::db(
                        "adding `schema_objects` to the modules table",
                    )(e));
                }
            }
        }
        Ok(true)
    }

    /// Whether the modules table exists, its `schema_objects` column added when missing:
    /// looked up first, since `ALTER TABLE` takes the table's strongest lock even when it
    /// changes nothing.
    #[cfg(feature = "postgres")]
    async fn pg_column(&self, pool: &sqlx::PgPool) -> Result<bool, MigrateError> {
        // language=PostgreSQL
        let present: Option<(bool,)> = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attname = $2 AND NOT attisdropped)
             FROM (SELECT to_regclass($1) AS oid) c WHERE c.oid IS NOT NULL",
        )
        .bind(quoted(&self.tables.modules))
        .bind(COLUMN)
        .fetch_optional(pool)
        .await
        .map_err(MigrateError::db("reading the modules table's columns"))?;
        match present {
            None => Ok(false),
            Some((true,)) => Ok(true),
            Some((false,)) => {
                let add = format!(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {COLUMN} TEXT",
                    quoted(&self.tables.modules)
                );
                sqlx::query(&add)
                    .execute(pool)
                    .await
                    .map_err(MigrateError::db(
                        "adding `schema_objects` to the modules table",
                    ))?;
                Ok(true)
            }
        }
    }
}

/// What is recorded: a first line naming this crate's version and the fingerprint of the
/// migrations applied, then a line per object.
fn record(fingerprint: &str, schema: &Schema) -> String {
    format!("{}\n{}", header(fingerprint), hashes(schema).join("\n"))
}

fn header(fingerprint: &str) -> String {
    format!("schema-runtime {} {fingerprint}", env!("CARGO_PKG_VERSION"))
}

/// A line per object, `kind name<TAB>hash`, in a fixed order: the hash is of the object's
/// whole model (a table's columns, keys, checks and options), 16 hex digits.
fn hashes(schema: &Schema) -> Vec<String> {
    let mut lines = Vec::new();
    let mut add = |kind: &str, name: &str, object: &dyn std::fmt::Debug| {
        let digest = Sha256::digest(format!("{object:?}"));
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        lines.push(format!("{kind} {name}\t{hex}"));
    };
    for s in &schema.schemas {
        add("schema", s, s);
    }
    for t in &schema.tables {
        add("table", &t.name, t);
    }
    for v in &schema.views {
        add("view", &v.name, v);
    }
    for i in &schema.indexes {
        add("index", &i.name, i);
    }
    for t in &schema.triggers {
        add("trigger", &format!("{} on {}", t.name, t.table), t);
    }
    for s in &schema.sequences {
        add("sequence", &s.name, s);
    }
    for e in &schema.enums {
        add("enum", &e.name, e);
    }
    lines
}

/// The objects whose lines differ, in the record's order (by kind, then name): first those
/// `changed` or `extra` (in the database, not recorded), then those `missing` (recorded,
/// gone).
fn differences(recorded: &str, current: &[String]) -> Vec<String> {
    let split = |line: &str| {
        let (object, hash) = line.split_once('\t').unwrap_or((line, ""));
        (object.to_owned(), hash.to_owned())
    };
    let before: Vec<(String, String)> = recorded
        .lines()
        .filter(|l| !l.is_empty())
        .map(split)
        .collect();
    let now: Vec<(String, String)> = current.iter().map(|l| split(l)).collect();
    let named = |change: &str, object: &str| {
        let (kind, name) = object.split_once(' ').unwrap_or(("object", object));
        format!("{change} {kind} `{name}`")
    };
    let find = |list: &[(String, String)], object: &str| {
        list.iter()
            .find(|(o, _)| o == object)
            .map(|(_, h)| h.clone())
    };
    let mut out = Vec::new();
    for (object, hash) in &now {
        match find(&before, object) {
            None => out.push(named("extra", object)),
            Some(old) if old != *hash => out.push(named("changed", object)),
            Some(_) => {}
        }
    }
    for (object, _) in &before {
        if find(&now, object).is_none() {
            out.push(named("missing", object));
        }
    }
    out
}

/// A tracking table's name as SQL writes it: each part double-quoted.
fn quoted(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(feature = "sqlite")]
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
