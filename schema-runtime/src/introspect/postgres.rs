//! Reads a PostgreSQL database's schema from the catalogs, printed by the server's own
//! functions (`format_type`, `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`,
//! `pg_get_viewdef`, `pg_get_triggerdef`), so that every spelling is the server's.
//!
//! Left out: the system schemas, temporary objects and what an extension owns (PostGIS's
//! `spatial_ref_sys`, ...). Names in `public` are written bare, others as `schema.name`.

use super::model::{
    Check, Column, Enum, ForeignKey, Generated, Index, PrimaryKey, Schema, Sequence, Table,
    Trigger, Unique, View,
};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;
use std::collections::BTreeMap;

/// The schemas read: not the system ones, not an extension's.
// language=PostgreSQL
const USER_SCHEMAS: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                    AND d.objid = n.oid AND d.deptype = 'e')";

/// A relation `c` of ours: not made by an extension.
// language=PostgreSQL
const NOT_EXTENSIONS: &str =
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
    AND d.objid = c.oid AND d.deptype = 'e')";

/// The name of relation `c` in namespace `n` as the model writes it.
// language=PostgreSQL
const REL_NAME: &str =
    "CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END";

pub(crate) async fn read(pool: &PgPool) -> Result<Schema, sqlx::Error> {
    // One snapshot of the catalogs, and one `search_path` for every name the server prints
    // (`'users_id_seq'::regclass`, a type, a view's tables), whatever the database's or the
    // role's: `SET LOCAL` ends with the transaction, which only reads and is rolled back.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SET LOCAL search_path = public")
        .execute(&mut *tx)
        .await?;
    let schema = read_all(&mut tx).await?;
    tx.rollback().await?;
    Ok(schema)
}

async fn read_all(conn: &mut PgConnection) -> Result<Schema, sqlx::Error> {
    let mut schema = Schema {
        schemas: sqlx::query_scalar(&format!(
            "SELECT n.nspname::text FROM pg_namespace n WHERE {USER_SCHEMAS} ORDER BY 1"
        ))
        .fetch_all(&mut *conn)
        .await?,
        ..Schema::default()
    };
    schema.tables = read_tables(conn).await?;
    schema.views = read_views(conn).await?;
    schema.indexes = read_indexes(conn).await?;
    schema.triggers = read_triggers(conn).await?;
    schema.sequences = read_sequences(conn).await?;
    schema.enums = read_enums(conn).await?;
    Ok(schema)
}

async fn read_tables(conn: &mut PgConnection) -> Result<Vec<Table>, sqlx::Error> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let rows = sqlx::query(&format!(
        "SELECT {REL_NAME} AS name, c.relpersistence::text AS persistence,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
                CASE WHEN c.relispartition THEN
                    (SELECT CASE WHEN pn.nspname = 'public' THEN p.relname::text ELSE pn.nspname || '.' || p.relname END
                     FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                     JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid)
                    || ' ' || pg_get_expr(c.relpartbound, c.oid) END AS partition_of
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let name: String = row.try_get("name")?;
        let mut options = Vec::new();
        if row.try_get::<String, _>("persistence")? == "u" {
            options.push("UNLOGGED".to_owned());
        }
        if let Some(key) = row.try_get::<Option<String>, _>("partition_key")? {
            options.push(format!("PARTITION BY {key}"));
        }
        if let Some(of) = row.try_get::<Option<String>, _>("partition_of")? {
            options.push(format!("PARTITION OF {of}"));
        }
        tables.insert(
            name.clone(),
            Table {
                name,
                options,
                ..Table::default()
            },
        );
    }
    // language=PostgreSQL
    let columns = sqlx::query(&format!(
        "SELECT {REL_NAME} AS tbl, a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null,
                pg_get_expr(ad.adbin, ad.adrelid) AS expr, a.attgenerated::text AS generated,
                a.attidentity::text AS identity,
                CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
           AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}
         ORDER BY c.oid, a.attnum"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for row in columns {
        let tbl: String = row.try_get("tbl")?;
        let Some(table) = tables.get_mut(&tbl) else {
            continue;
        };
        let expr: Option<String> = row.try_get("expr")?;
        let generated: String = row.try_get("generated")?;
        let identity: String = row.try_get("identity")?;
        let (default, generated) = match generated.as_str() {
            "" => (expr, None),
            kind => (
                None,
                Some(Generated {
                    expression: expr.unwrap_or_default(),
                    stored: kind == "s",
                }),
            ),
        };
        table.columns.push(Column {
            name: row.try_get("name")?,
            data_type: row.try_get("data_type")?,
            nullable: !row.try_get::<bool, _>("not_null")?,
            default,
            generated,
            identity: match identity.as_str() {
                "a" => Some("always".to_owned()),
                "d" => Some("by default".to_owned()),
                _ => None,
            },
            collation: row.try_get("collation")?,
        });
    }
    read_constraints(conn, &mut tables).await?;
    Ok(tables.into_values().collect())
}

/// The names of `key`'s columns of relation `rel`, in key order.
fn column_names(key: &str, rel: &str) -> String {
    format!(
        "ARRAY(SELECT a.attname::text FROM unnest(con.{key}) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.{rel} AND a.attnum = k.num ORDER BY k.pos)"
    )
}

fn action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_owned()
}

async fn read_constraints(
    conn: &mut PgConnection,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {REL_NAME} AS tbl, con.contype::text AS kind, con.conname::text AS name,
                pg_get_constraintdef(con.oid, true) AS definition,
                {columns} AS columns,
                (SELECT CASE WHEN fn.nspname = 'public' THEN f.relname::text ELSE fn.nspname || '.' || f.relname END
                 FROM pg_class f JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE f.oid = con.confrelid) AS refs,
                {referenced} AS referenced,
                con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
                con.condeferrable AS deferrable, con.condeferred AS deferred
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE con.contype IN ('p', 'u', 'c', 'f') AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}",
        columns = column_names("conkey", "conrelid"),
        referenced = column_names("confkey", "confrelid"),
    ))
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let tbl: String = row.try_get("tbl")?;
        let Some(table) = tables.get_mut(&tbl) else {
            continue;
        };
        let name: Option<String> = row.try_get("name")?;
        let columns: Vec<String> = row.try_get("columns")?;
        match row.try_get::<String, _>("kind")?.as_str() {
            "p" => table.primary_key = Some(PrimaryKey { name, columns }),
            "u" => table.uniques.push(Unique { name, columns }),
            "c" => {
                let definition: String = row.try_get("definition")?;
                let expression = definition
                    .strip_prefix("CHECK ")
                    .unwrap_or(&definition)
                    .to_owned();
                table.checks.push(Check { name, expression });
            }
            _ => table.foreign_keys.push(ForeignKey {
                name,
                columns,
                references: row
                    .try_get::<Option<String>, _>("refs")?
                    .unwrap_or_default(),
                referenced_columns: row.try_get("referenced")?,
                on_delete: action(&row.try_get::<String, _>("on_delete")?),
                on_update: action(&row.try_get::<String, _>("on_update")?),
                deferrable: match (
                    row.try_get::<bool, _>("deferrable")?,
                    row.try_get::<bool, _>("deferred")?,
                ) {
                    (false, _) => "NOT DEFERRABLE",
                    (true, false) => "DEFERRABLE INITIALLY IMMEDIATE",
                    (true, true) => "DEFERRABLE INITIALLY DEFERRED",
                }
                .to_owned(),
            }),
        }
    }
    for table in tables.values_mut() {
        crate::order::sort_by(&mut table.uniques, |a, b| a.columns.cmp(&b.columns));
        crate::order::sort_by(&mut table.checks, |a, b| a.expression.cmp(&b.expression));
        crate::order::sort_by(&mut table.foreign_keys, |a, b| {
            (&a.columns, &a.references).cmp(&(&b.columns, &b.references))
        });
    }
    Ok(())
}

async fn read_views(conn: &mut PgConnection) -> Result<Vec<View>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {REL_NAME} AS name, pg_get_viewdef(c.oid, true) AS definition,
                c.relkind = 'm' AS materialized
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let definition: String = row.try_get("definition")?;
            Ok(View {
                name: row.try_get("name")?,
                definition: one_line(&definition),
                materialized: row.try_get("materialized")?,
            })
        })
        .collect()
}

/// `text` with every run of white space made one space, and no final `;`.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches(';').trim_end().to_owned()
}

async fn read_indexes(conn: &mut PgConnection) -> Result<Vec<Index>, sqlx::Error> {
    // A key's order and nulls, from `indoption`: bit 1 DESC, bit 2 NULLS FIRST (the default
    // of DESC); its operator class when not the type's default (`gin_trgm_ops`).
    let rows = sqlx::query(&format!(
        "SELECT CASE WHEN n.nspname = 'public' THEN ic.relname::text ELSE n.nspname || '.' || ic.relname END AS name,
                {REL_NAME} AS tbl, i.indisunique AS is_unique, am.amname::text AS method,
                pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
                ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                             || CASE WHEN opc.opcdefault THEN '' ELSE ' ' || opc.opcname END
                             || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN
                                    CASE WHEN i.indoption[k - 1] & 2 = 2 THEN ' DESC' ELSE ' DESC NULLS LAST' END
                                 ELSE
                                    CASE WHEN i.indoption[k - 1] & 2 = 2 THEN ' NULLS FIRST' ELSE '' END
                                 END
                      FROM generate_series(1, i.indnkeyatts) k
                      LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[k - 1]
                      ORDER BY k) AS keys,
                ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                      FROM generate_series(i.indnkeyatts + 1, i.indnatts) k ORDER BY k) AS include
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_am am ON am.oid = ic.relam
         WHERE c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                           AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Index {
                name: row.try_get("name")?,
                table: row.try_get("tbl")?,
                unique: row.try_get("is_unique")?,
                keys: row.try_get("keys")?,
                include: row.try_get("include")?,
                predicate: row.try_get("predicate")?,
                method: row.try_get("method")?,
            })
        })
        .collect()
}

async fn read_triggers(conn: &mut PgConnection) -> Result<Vec<Trigger>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT t.tgname::text AS name, {REL_NAME} AS tbl, pg_get_triggerdef(t.oid, true) AS definition
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND {USER_SCHEMAS} AND {NOT_EXTENSIONS}"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Trigger {
                name: row.try_get("name")?,
                table: row.try_get("tbl")?,
                definition: row.try_get("definition")?,
            })
        })
        .collect()
}

async fn read_sequences(conn: &mut PgConnection) -> Result<Vec<Sequence>, sqlx::Error> {
    // An identity column's sequence (`deptype = 'i'`) is part of the column; a `serial`'s
    // (`'a'`) is an object of its own, owned by the column.
    let rows = sqlx::query(&format!(
        "SELECT {REL_NAME} AS name, format_type(s.seqtypid, NULL) AS data_type,
                s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                (SELECT CASE WHEN tn.nspname = 'public' THEN t.relname::text ELSE tn.nspname || '.' || t.relname END
                        || '.' || a.attname
                 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                 JOIN pg_namespace tn ON tn.oid = t.relnamespace
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') AS owned_by
         FROM pg_sequence s
         JOIN pg_class c ON c.oid = s.seqrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {USER_SCHEMAS} AND {NOT_EXTENSIONS}
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                           AND d.objid = c.oid AND d.deptype = 'i')"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Sequence {
                name: row.try_get("name")?,
                data_type: row.try_get("data_type")?,
                start: row.try_get("seqstart")?,
                increment: row.try_get("seqincrement")?,
                min_value: row.try_get("seqmin")?,
                max_value: row.try_get("seqmax")?,
                cache: row.try_get("seqcache")?,
                cycle: row.try_get("seqcycle")?,
                owned_by: row.try_get("owned_by")?,
            })
        })
        .collect()
}

async fn read_enums(conn: &mut PgConnection) -> Result<Vec<Enum>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT CASE WHEN n.nspname = 'public' THEN t.typname::text ELSE n.nspname || '.' || t.typname END AS name,
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
                      ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typtype = 'e' AND {USER_SCHEMAS}
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                           AND d.objid = t.oid AND d.deptype = 'e')"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Enum {
                name: row.try_get("name")?,
                labels: row.try_get("labels")?,
            })
        })
        .collect()
}
