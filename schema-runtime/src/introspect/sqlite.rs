//! Reads an SQLite database's schema: `sqlite_master` and the pragmas for what they tell, the
//! stored `CREATE` statements for the rest (checks, collations, generated expressions, index
//! keys, view queries), all on one connection.

use super::model::{
    Check, Column, ForeignKey, Generated, Index, PrimaryKey, Schema, Table, Trigger, Unique, View,
};
use super::{sql_text, types};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::Row;

/// Every object of the `main` database but SQLite's own (`sqlite_*`) and the shadow tables of
/// virtual tables.
pub(crate) async fn read(pool: &SqlitePool) -> Result<Schema, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let conn = &mut *conn;
    // language=SQLite
    let objects = sqlx::query(
        "SELECT m.type, m.name, m.tbl_name, coalesce(m.sql, '') AS sql,
                coalesce(l.type, '') AS kind, coalesce(l.wr, 0) AS wr, coalesce(l.strict, 0) AS strict
         FROM main.sqlite_master m
         LEFT JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name
         WHERE m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut schema = Schema::default();
    for row in objects {
        let kind: String = row.try_get("type")?;
        let name: String = row.try_get("name")?;
        let table: String = row.try_get("tbl_name")?;
        let sql: String = row.try_get("sql")?;
        match kind.as_str() {
            "table" => {
                let list_kind: String = row.try_get("kind")?;
                if list_kind == "shadow" {
                    continue;
                }
                let mut options = Vec::new();
                if row.try_get::<i64, _>("strict")? != 0 {
                    options.push("STRICT".to_owned());
                }
                if row.try_get::<i64, _>("wr")? != 0 {
                    options.push("WITHOUT ROWID".to_owned());
                }
                let (table, indexes) = read_table(conn, &name, &sql, options).await?;
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

async fn read_table(
    conn: &mut SqliteConnection,
    name: &str,
    sql: &str,
    mut options: Vec<String>,
) -> Result<(Table, Vec<Index>), sqlx::Error> {
    let parts = sql_text::table_parts(sql);
    options.extend(parts.using.clone());
    // `hidden`: 1 a virtual table's hidden column, 2 a virtual generated column, 3 a stored one.
    // language=SQLite
    let rows = sqlx::query(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
    )
    .bind(name)
    .fetch_all(&mut *conn)
    .await?;
    let mut columns = Vec::new();
    let mut key: Vec<(i64, String)> = Vec::new();
    for row in rows {
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
    key.sort();
    let primary_key = (!key.is_empty()).then(|| PrimaryKey {
        name: None,
        columns: key.into_iter().map(|(_, c)| c).collect(),
    });
    let (uniques, indexes) = read_indexes(conn, name).await?;
    let foreign_keys = read_foreign_keys(conn, name).await?;
    let mut checks: Vec<Check> = parts
        .checks
        .into_iter()
        .map(|(name, expression)| Check {
            name: name.map(|n| fold(&n)),
            expression,
        })
        .collect();
    checks.sort_by(|a, b| a.expression.cmp(&b.expression));
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
async fn read_indexes(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<(Vec<Unique>, Vec<Index>), sqlx::Error> {
    // language=SQLite
    let list = sqlx::query(
        "SELECT l.name, l.\"unique\", l.origin, coalesce(m.sql, '') AS sql
         FROM pragma_index_list(?1) l
         LEFT JOIN main.sqlite_master m ON m.type = 'index' AND m.name = l.name",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut uniques = Vec::new();
    let mut indexes = Vec::new();
    for row in list {
        let name: String = row.try_get("name")?;
        let origin: String = row.try_get("origin")?;
        match origin.as_str() {
            "u" => {
                // language=SQLite
                let columns: Vec<String> = sqlx::query_scalar(
                    "SELECT coalesce(name, '') FROM pragma_index_info(?1) ORDER BY seqno",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
                uniques.push(Unique {
                    name: None,
                    columns: columns.iter().map(|c| fold(c)).collect(),
                });
            }
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
    uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
    Ok((uniques, indexes))
}

async fn read_foreign_keys(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<Vec<ForeignKey>, sqlx::Error> {
    // language=SQLite
    let rows = sqlx::query(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete
         FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    let mut implicit = Vec::new();
    for row in rows {
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
        let parent = keys[at].1.references.clone();
        // language=SQLite
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
                .bind(&parent)
                .fetch_all(&mut *conn)
                .await?;
        keys[at].1.referenced_columns = columns.iter().map(|c| fold(c)).collect();
    }
    let mut keys: Vec<ForeignKey> = keys.into_iter().map(|(_, k)| k).collect();
    keys.sort_by(|a, b| (&a.columns, &a.references).cmp(&(&b.columns, &b.references)));
    Ok(keys)
}
