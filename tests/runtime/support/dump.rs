//! A schema as the database describes it, normalised so that two databases migrated from the
//! same folder compare equal line by line: one line per object, with what defines it, sorted.
//! The tracking tables of every tool (`_sqlx_migrations`, `__diesel_schema_migrations`,
//! `refinery_schema_history`, this project's `_schema_*`) and what belongs to them are left
//! out; the number of rows of each table is in, so that a seeding `INSERT` run twice or not at
//! all shows too.

use sqlx::{PgPool, SqlitePool};

/// SQLite: every `sqlite_master` row (type, name, table, SQL) but the tracking tables' and
/// `sqlite_sequence`, each table's row count, and `PRAGMA user_version`.
pub async fn sqlite(pool: &SqlitePool) -> Vec<String> {
    let objects: Vec<(String, String, String, String)> = sqlx::query_as(
        r"SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
          WHERE tbl_name NOT IN ('_sqlx_migrations', '__diesel_schema_migrations', 'refinery_schema_history')
            AND tbl_name NOT LIKE '\_schema\_%' ESCAPE '\'
            AND name <> 'sqlite_sequence'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut lines = Vec::new();
    for (kind, name, table, sql) in objects {
        if kind == "table" {
            let quoted = name.replace('"', "\"\"");
            let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{quoted}\""))
                .fetch_one(pool)
                .await
                .unwrap();
            lines.push(format!("rows {name} {rows}"));
        }
        lines.push(format!("{kind} {name} on {table}: {sql}"));
    }
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(pool)
        .await
        .unwrap();
    if version != 0 {
        lines.push(format!("user_version {version}"));
    }
    lines.sort();
    lines
}

/// PostgreSQL: from the catalog, in every schema but the system's: schemas, extensions,
/// tables, views and sequences with their columns (type, `NOT NULL`, default, identity,
/// generated) and row counts, constraints, indexes, triggers, rules, policies, comments,
/// functions and procedures, enums and domains. Objects that belong to an extension are left
/// to its line.
pub async fn postgres(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(POSTGRES).fetch_all(pool).await.unwrap()
}

// language=PostgreSQL
const POSTGRES: &str = r#"
WITH ns AS (
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
),
member AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
rel AS (
    SELECT c.oid, c.relkind, c.relpersistence, c.relacl, format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
    WHERE c.relname NOT IN ('_sqlx_migrations', '__diesel_schema_migrations', 'refinery_schema_history')
      AND c.relname NOT LIKE '\_schema\_%'
      AND c.relkind NOT IN ('i', 'I', 't')
      AND c.oid NOT IN (SELECT objid FROM member WHERE classid = 'pg_class'::regclass)
),
lines AS (
    SELECT 'schema ' || quote_ident(nspname) AS line FROM ns
    UNION ALL
    SELECT format('extension %I %s', extname, extversion) FROM pg_extension
    UNION ALL
    SELECT format('relation %s %s persistence %s acl %s', r.name, r.relkind, r.relpersistence, coalesce(r.relacl::text, '-'))
    FROM rel r
    UNION ALL
    SELECT format('column %s %s %I %s%s%s%s%s%s', r.name,
                  row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname,
                  format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                  coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                  CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
                  CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END,
                  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                       THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END)
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    UNION ALL
    SELECT format('rows %s %s', r.name,
                  (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || r.name, false, true, '')))[1]::text)
    FROM rel r WHERE r.relkind IN ('r', 'p')
    UNION ALL
    SELECT format('view %s %s', r.name, pg_get_viewdef(r.oid)) FROM rel r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('sequence %s %s start %s increment %s min %s max %s cache %s cycle %s', r.name,
                  format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    SELECT format('constraint %s %I %s', r.name, c.conname, pg_get_constraintdef(c.oid))
    FROM rel r JOIN pg_constraint c ON c.conrelid = r.oid
    UNION ALL
    SELECT format('index %s %s', r.name, pg_get_indexdef(i.indexrelid))
    FROM rel r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT format('trigger %s %s', r.name, pg_get_triggerdef(t.oid))
    FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT format('rule %s %s', r.name, pg_get_ruledef(w.oid))
    FROM rel r JOIN pg_rewrite w ON w.ev_class = r.oid WHERE w.rulename <> '_RETURN'
    UNION ALL
    SELECT format('policy %s %I %s %s using %s check %s', r.name, p.polname, p.polcmd, p.polpermissive,
                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
    FROM rel r JOIN pg_policy p ON p.polrelid = r.oid
    UNION ALL
    SELECT format('comment %s %s %s', r.name, d.objsubid, d.description)
    FROM rel r JOIN pg_description d ON d.objoid = r.oid AND d.classoid = 'pg_class'::regclass
    UNION ALL
    SELECT CASE WHEN p.prokind = 'a' THEN 'aggregate ' || p.oid::regprocedure::text
                ELSE 'function ' || pg_get_functiondef(p.oid) END
    FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
    WHERE p.oid NOT IN (SELECT objid FROM member WHERE classid = 'pg_proc'::regclass)
    UNION ALL
    SELECT format('type %s %s %s', t.oid::regtype, t.typtype,
                  CASE t.typtype
                      WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                     FROM pg_enum e WHERE e.enumtypid = t.oid)
                      WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
                                    || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
                                    || coalesce(' default ' || t.typdefault, '')
                                    || coalesce((SELECT ' ' || string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname)
                                                 FROM pg_constraint c WHERE c.contypid = t.oid), '')
                      ELSE '' END)
    FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd', 'r', 'm')
      AND t.oid NOT IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
)
SELECT line FROM lines ORDER BY line COLLATE "C"
"#;
