//! Reads an SQLite database's schema: `sqlite_master` and the pragmas for what they tell, the
//! stored `CREATE` statements for the rest (checks, collations, generated expressions, index
//! keys, view queries), all on one connection.

use super::model::{
    Check, Column, ForeignKey, Generated, Index, PrimaryKey, Schema, Table, Trigger, Unique, View,
};
use super::{sql_text, types};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::Row;
use std::collections::HashMap;

/// Every object of the `main` database but SQLite's own (`sqlite_*`) and the shadow tables of
/// virtual tables. Six queries whatever the number of tables: the objects, the tables' kinds,
/// then every table's columns, indexes, unique constraints' columns and foreign keys, each
/// through a join of `sqlite_master` with the pragma's table-valued function.
pub(crate) async fn read(pool: &SqlitePool) -> Result<Schema, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    // language=SQLite
    let objects = sqlx::query(
        "SELECT type, name, tbl_name, coalesce(sql, '') AS sql FROM main.sqlite_master
         WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let catalog = Catalog::read(conn).await?;
    let mut schema = Schema::default();
    for row in objects {
        let kind: String = row.try_get("type")?;
        let name: String = row.try_get("name")?;
        let table: String = row.try_get("tbl_name")?;
        let sql: String = row.try_get("sql")?;
        match kind.as_str() {
            "table" => {
                let listed = catalog.listed.get(&name);
                if listed.is_some_and(|l| l.shadow) {
                    continue;
                }
                let mut options = Vec::new();
                if listed.is_some_and(|l| l.strict) {
                    options.push("STRICT".to_owned());
                }
                if listed.is_some_and(|l| l.without_rowid) {
                    options.push("WITHOUT ROWID".to_owned());
                }
                let (table, indexes) = catalog.table(&name, &sql, options)?;
                schema.tables.push(table);
                schema.indexes.extend(indexes);
            }
            "view" => schema.views.push(View {
                name: fold(&name),
                definition: sql_text::view_query(&sql),
                materialized: false,
            }),
            "trigger" => schema.triggers.push(Trigger {
                name: fold(&name),
                table: fold(&table),
                definition: sql_text::statement(&sql),
            }),
            // Indexes are read with their table, from its pragmas.
            _ => {}
        }
    }
    Ok(schema)
}

/// SQLite compares names without regard to ASCII case: they are kept in lower case.
fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// What `pragma_table_list` says of a table.
struct Listed {
    shadow: bool,
    strict: bool,
    without_rowid: bool,
}

/// The pragmas' rows of every table, grouped by the table's name as `sqlite_master` spells it.
/// (Each pragma is joined with `sqlite_master` on its argument, or read once, never joined on
/// a name: SQLite would run it again for every row.)
struct Catalog {
    listed: HashMap<String, Listed>,
    columns: HashMap<String, Vec<SqliteRow>>,
    indexes: HashMap<String, Vec<SqliteRow>>,
    /// A unique constraint's automatic index's columns, by the index's name, in key order.
    unique_columns: HashMap<String, Vec<String>>,
    foreign_keys: HashMap<String, Vec<SqliteRow>>,
    /// Each table's primary-key columns in key order, by the table's folded name: what
    /// `REFERENCES parent` without columns means.
    primary_keys: HashMap<String, Vec<String>>,
}

impl Catalog {
    async fn read(conn: &mut SqliteConnection) -> Result<Catalog, sqlx::Error> {
        // language=SQLite
        let listed = sqlx::query(
            "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'",
        )
        .fetch_all(&mut *conn)
        .await?;
        // `hidden`: 1 a virtual table's hidden column, 2 a virtual generated column, 3 a stored one.
        // language=SQLite
        let columns = sqlx::query(
            "SELECT m.name AS owner, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk, c.hidden
             FROM main.sqlite_master m JOIN pragma_table_xinfo(m.name) c
             WHERE m.type = 'table' ORDER BY m.name, c.cid",
        )
        .fetch_all(&mut *conn)
        .await?;
        // language=SQLite
        let indexes = sqlx::query(
            "SELECT m.name AS owner, l.name, l.\"unique\", l.origin, coalesce(i.sql, '') AS sql
             FROM main.sqlite_master m JOIN pragma_index_list(m.name) l
             LEFT JOIN main.sqlite_master i ON i.type = 'index' AND i.name = l.name
             WHERE m.type = 'table' ORDER BY m.name, l.name",
        )
        .fetch_all(&mut *conn)
        .await?;
        // language=SQLite
        let unique_columns = sqlx::query(
            "SELECT l.name AS owner, coalesce(c.name, '') AS name
             FROM main.sqlite_master m JOIN pragma_index_list(m.name) l
             JOIN pragma_index_info(l.name) c
             WHERE m.type = 'table' AND l.origin = 'u' ORDER BY l.name, c.seqno",
        )
        .fetch_all(&mut *conn)
        .await?;
        // language=SQLite
        let foreign_keys = sqlx::query(
            "SELECT m.name AS owner, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete
             FROM main.sqlite_master m JOIN pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut primary_keys: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for row in &columns {
            let pk: i64 = row.try_get("pk")?;
            if pk > 0 {
                let owner: String = row.try_get("owner")?;
                let name: String = row.try_get("name")?;
                primary_keys
                    .entry(fold(&owner))
                    .or_default()
                    .push((pk, fold(&name)));
            }
        }
        let mut unique: HashMap<String, Vec<String>> = HashMap::new();
        for row in unique_columns {
            let owner: String = row.try_get("owner")?;
            let name: String = row.try_get("name")?;
            unique.entry(owner).or_default().push(fold(&name));
        }
        let listed = listed
            .into_iter()
            .map(|row| {
                let name: String = row.try_get("name")?;
                let kind: String = row.try_get("type")?;
                let listed = Listed {
                    shadow: kind == "shadow",
                    strict: row.try_get::<i64, _>("strict")? != 0,
                    without_rowid: row.try_get::<i64, _>("wr")? != 0,
                };
                Ok((name, listed))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Catalog {
            listed,
            columns: by_owner(columns)?,
            indexes: by_owner(indexes)?,
            unique_columns: unique,
            foreign_keys: by_owner(foreign_keys)?,
            primary_keys: primary_keys
                .into_iter()
                .map(|(table, mut key)| {
                    crate::order::sort_by(&mut key, Ord::cmp);
                    (table, key.into_iter().map(|(_, c)| c).collect())
                })
                .collect(),
        })
    }

    fn table(
        &self,
        name: &str,
        sql: &str,
        mut options: Vec<String>,
    ) -> Result<(Table, Vec<Index>), sqlx::Error> {
        let parts = sql_text::table_parts(sql);
        options.extend(parts.using.clone());
        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        for row in self.columns.get(name).into_iter().flatten() {
            let hidden: i64 = row.try_get("hidden")?;
            if hidden == 1 {
                continue;
            }
            let column: String = row.try_get("name")?;
            let column = fold(&column);
            let declared: String = row
                .try_get::<Option<String>, _>("type")?
                .unwrap_or_default();
            let default: Option<String> = row.try_get("dflt_value")?;
            let pk: i64 = row.try_get("pk")?;
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            let written = parts.columns.iter().find(|c| fold(&c.name) == column);
            let generated = match hidden {
                2 | 3 => Some(Generated {
                    expression: written
                        .and_then(|c| c.generated.clone())
                        .unwrap_or_default(),
                    stored: hidden == 3,
                }),
                _ => None,
            };
            columns.push(Column {
                name: column,
                data_type: types::canonical(&declared),
                nullable: row.try_get::<i64, _>("notnull")? == 0,
                default: default.map(|d| sql_text::expression(&d)),
                generated,
                identity: None,
                collation: written
                    .and_then(|c| c.collation.clone())
                    .filter(|c| c != "BINARY"),
            });
        }
        crate::order::sort_by(&mut key, Ord::cmp);
        let primary_key = (!key.is_empty()).then(|| PrimaryKey {
            name: None,
            columns: key.into_iter().map(|(_, c)| c).collect(),
        });
        let (uniques, indexes) = self.indexes_of(name)?;
        let foreign_keys = self.foreign_keys_of(name)?;
        let mut checks: Vec<Check> = parts
            .checks
            .into_iter()
            .map(|(name, expression)| Check {
                name: name.map(|n| fold(&n)),
                expression,
            })
            .collect();
        crate::order::sort_by(&mut checks, |a, b| a.expression.cmp(&b.expression));
        let table = Table {
            name: fold(name),
            columns,
            primary_key,
            uniques,
            checks,
            foreign_keys,
            options,
        };
        Ok((table, indexes))
    }

    /// The table's unique constraints (the automatic indexes behind its `UNIQUE`s) and the
    /// indexes made with `CREATE INDEX`.
    fn indexes_of(&self, table: &str) -> Result<(Vec<Unique>, Vec<Index>), sqlx::Error> {
        let mut uniques = Vec::new();
        let mut indexes = Vec::new();
        for row in self.indexes.get(table).into_iter().flatten() {
            let name: String = row.try_get("name")?;
            let origin: String = row.try_get("origin")?;
            match origin.as_str() {
                "u" => uniques.push(Unique {
                    name: None,
                    columns: self.unique_columns.get(&name).cloned().unwrap_or_default(),
                }),
                "c" => {
                    let sql: String = row.try_get("sql")?;
                    let (keys, predicate) = sql_text::index_parts(&sql);
                    indexes.push(Index {
                        name: fold(&name),
                        table: fold(table),
                        unique: row.try_get::<i64, _>("unique")? != 0,
                        keys,
                        include: Vec::new(),
                        predicate,
                        method: "btree".to_owned(),
                    });
                }
                // `pk`: the primary key, read from the columns.
                _ => {}
            }
        }
        crate::order::sort_by(&mut uniques, |a, b| a.columns.cmp(&b.columns));
        Ok((uniques, indexes))
    }

    fn foreign_keys_of(&self, table: &str) -> Result<Vec<ForeignKey>, sqlx::Error> {
        let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
        let mut implicit = Vec::new();
        for row in self.foreign_keys.get(table).into_iter().flatten() {
            let id: i64 = row.try_get("id")?;
            let from: String = row.try_get("from")?;
            let to: Option<String> = row.try_get("to")?;
            if keys.last().is_none_or(|(last, _)| *last != id) {
                let references: String = row.try_get("table")?;
                keys.push((
                    id,
                    ForeignKey {
                        name: None,
                        columns: Vec::new(),
                        references: fold(&references),
                        referenced_columns: Vec::new(),
                        on_delete: row.try_get("on_delete")?,
                        on_update: row.try_get("on_update")?,
                        deferrable: String::new(),
                    },
                ));
            }
            let Some((_, key)) = keys.last_mut() else {
                continue;
            };
            key.columns.push(fold(&from));
            match to {
                Some(to) => key.referenced_columns.push(fold(&to)),
                None => implicit.push(keys.len() - 1),
            }
        }
        // `REFERENCES parent` without columns means the parent's primary key.
        implicit.dedup();
        for at in implicit {
            let parent = &keys[at].1.references;
            keys[at].1.referenced_columns =
                self.primary_keys.get(parent).cloned().unwrap_or_default();
        }
        let mut keys: Vec<ForeignKey> = keys.into_iter().map(|(_, k)| k).collect();
        crate::order::sort_by(&mut keys, |a, b| {
            (&a.columns, &a.references).cmp(&(&b.columns, &b.references))
        });
        Ok(keys)
    }
}

/// Rows grouped by their `owner` column.
fn by_owner(rows: Vec<SqliteRow>) -> Result<HashMap<String, Vec<SqliteRow>>, sqlx::Error> {
    let mut grouped: HashMap<String, Vec<SqliteRow>> = HashMap::new();
    for row in rows {
        let owner: String = row.try_get("owner")?;
        grouped.entry(owner).or_default().push(row);
    }
    Ok(grouped)
}
