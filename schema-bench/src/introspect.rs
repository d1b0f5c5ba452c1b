//! `schema-bench introspect`: what drift detection costs on a database of `--tables` tables.
//!
//! The folder holds one migration per table (columns of the usual types, a default, a check, a
//! unique column, a foreign key to an earlier table with its index), a view every tenth table
//! and a trigger every twentieth. It is applied once with `Migrations::run`; then, `--runs`
//! times each, the bench times:
//!
//! - reading the live schema (`Schema::read`);
//! - comparing it with the expected one (`introspect::compare`), the expected schema read once;
//! - the expected schema itself (`Migrator::expected_schema`: the set applied to a private
//!   in-memory database on SQLite, to a scratch database created and dropped on PostgreSQL);
//! - the whole `verify_schema` call, which does all three;
//! - the lower bound: one catalog query that fetches every table's columns, the least any
//!   introspection must read, with nothing parsed or normalized.
//!
//! sqlx has no introspection to compare with; the lower bound is the reference.

use crate::generate::Dialect;
use crate::harness::{check, load_schema, Result};
use crate::stats::Samples;
use schema_runtime::introspect::{compare, Schema};
use schema_runtime::Migrations;
use sqlx::{PgPool, SqlitePool};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Options of `schema-bench introspect`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Number of tables in the database.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..))]
    pub tables: u32,
    /// Runs of each measurement; the median is reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// A PostgreSQL server whose user may `CREATE DATABASE` (default: `DATABASE_URL`); without
    /// either, SQLite alone is measured.
    #[arg(long)]
    pub url: Option<String>,
}

/// The milliseconds each database is held to (issue: "under 200 ms on SQLite, under 500 ms on
/// PostgreSQL") for reading and comparing.
const SQLITE_TARGET_MS: u128 = 200;
const POSTGRES_TARGET_MS: u128 = 500;

pub async fn run(args: Args) -> Result<()> {
    let url = args
        .url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok());
    println!("# Introspection and drift, {} tables\n", args.tables);
    println!(
        "Median of {} runs, release build. `read + compare` is what the target holds; \
         `verify_schema` adds the expected schema (the set applied again).\n",
        args.runs
    );
    sqlite(&args).await?;
    match url {
        Some(url) => postgres(&args, &url).await?,
        None => println!("PostgreSQL: not measured (no `--url`, no `DATABASE_URL`).\n"),
    }
    Ok(())
}

/// The timings of one database.
#[derive(Default)]
struct Timings {
    read: Samples,
    compare: Samples,
    read_compare: Samples,
    expected: Samples,
    verify: Samples,
    lower: Samples,
}

impl Timings {
    /// Times the comparison of `live` with `expected` (read just before) and checks that the
    /// database did not drift.
    fn compared(&mut self, expected: &Schema, live: &Schema, tables: u32) -> Result<()> {
        check(live.tables.len() == tables as usize, "tables read")?;
        let started = Instant::now();
        let differences = compare(expected, live);
        self.compare.push(started.elapsed());
        self.read_compare
            .push(self.read.last() + self.compare.last());
        check(differences.is_empty(), "the migrated database drifted")
    }
}

async fn sqlite(args: &Args) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let migrations = write_folder(dir.path(), args.tables, Dialect::Sqlite)?;
    let file = dir.path().join("live.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await?;
    migrations.run(&pool).await?;
    let migrator = migrations.migrator();
    let expected = migrator.expected_schema(None).await?;
    let mut t = Timings::default();
    for _ in 0..args.runs {
        let live = timed(&mut t.read, Schema::read(&pool)).await?;
        t.compared(&expected, &live, args.tables)?;
        timed(&mut t.expected, migrator.expected_schema(None)).await?;
        let drift = timed(&mut t.verify, migrator.verify_schema(&pool)).await?;
        check(drift.is_empty(), "verify_schema found drift")?;
        // language=SQLite
        let lower = "SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk \
                     FROM sqlite_master m, pragma_table_xinfo(m.name) c WHERE m.type = 'table'";
        let rows = timed(&mut t.lower, sqlx::query(lower).fetch_all(&pool)).await?;
        check(!rows.is_empty(), "the lower bound read columns")?;
    }
    pool.close().await;
    print_table(
        "SQLite (a file, default journal mode)",
        &t,
        SQLITE_TARGET_MS,
    );
    Ok(())
}

async fn postgres(args: &Args, url: &str) -> Result<()> {
    let admin = PgPool::connect(url).await?;
    let name = format!("schema_bench_{}_introspect", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await?;
    let measured = postgres_on(args, url, &name).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    admin.close().await;
    let t = measured?;
    print_table("PostgreSQL (the test server)", &t, POSTGRES_TARGET_MS);
    Ok(())
}

async fn postgres_on(args: &Args, url: &str, name: &str) -> Result<Timings> {
    let dir = tempfile::tempdir()?;
    let migrations = write_folder(dir.path(), args.tables, Dialect::Postgres)?;
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    let pool = PgPool::connect_with(options.database(name)).await?;
    let measured = async {
        migrations.run(&pool).await?;
        let migrator = migrations.migrator();
        let expected = migrator.expected_schema(Some(url)).await?;
        let mut t = Timings::default();
        for _ in 0..args.runs {
            let live = timed(&mut t.read, Schema::read(&pool)).await?;
            t.compared(&expected, &live, args.tables)?;
            timed(&mut t.expected, migrator.expected_schema(Some(url))).await?;
            let verify = migrator.verify_schema_with_dev(&pool, url);
            let drift = timed(&mut t.verify, verify).await?;
            check(drift.is_empty(), "verify_schema found drift")?;
            // language=PostgreSQL
            let lower = "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), \
                         a.attnotnull, pg_get_expr(d.adbin, d.adrelid) \
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 \
                         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
                         WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT a.attisdropped";
            let rows = timed(&mut t.lower, sqlx::query(lower).fetch_all(&pool)).await?;
            check(!rows.is_empty(), "the lower bound read columns")?;
        }
        Ok::<_, Box<dyn std::error::Error>>(t)
    }
    .await;
    pool.close().await;
    measured
}

async fn timed<T, E>(
    samples: &mut Samples,
    work: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> std::result::Result<T, E> {
    let started = Instant::now();
    let out = work.await;
    samples.push(started.elapsed());
    out
}

fn print_table(title: &str, t: &Timings, target_ms: u128) {
    let met = t.read_compare.median().as_millis() < target_ms;
    println!("## {title}\n");
    println!("| measurement | median (min–max) | over the lower bound |");
    println!("|---|---:|---:|");
    let lower = t.lower.median();
    let row = |what: &str, s: &Samples| {
        println!(
            "| {what} | {} | {:.1}x |",
            s.show(),
            s.median().as_secs_f64() / lower.as_secs_f64().max(1e-9)
        );
    };
    row("read the live schema (`Schema::read`)", &t.read);
    row("compare with the expected schema (`compare`)", &t.compare);
    row(
        &format!(
            "**read + compare** (target < {target_ms} ms: {})",
            if met { "met" } else { "**not met**" }
        ),
        &t.read_compare,
    );
    row("the expected schema (the set applied again)", &t.expected);
    row("`verify_schema`, all of it", &t.verify);
    println!(
        "| lower bound: one catalog query of every column | {} | 1.0x |\n",
        t.lower.show()
    );
}

/// One migration per table, in the sqlx layout, loaded as this project loads a folder.
fn write_folder(root: &Path, tables: u32, dialect: Dialect) -> Result<Migrations> {
    let dir = root.join("migrations");
    std::fs::create_dir_all(&dir)?;
    for i in 1..=tables {
        std::fs::write(
            dir.join(format!("{i:05}_table_{i}.sql")),
            table_sql(i, dialect),
        )?;
    }
    load_schema(&dir)
}

/// Table `t<i>`: the usual column types, a default, a check, a unique column and, after the
/// first, a foreign key to `t<i/2>` with its index; a view every tenth table, a trigger every
/// twentieth.
fn table_sql(i: u32, dialect: Dialect) -> String {
    let (id, key, stamp, money, flag) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY", "INTEGER", "TEXT", "REAL", "INTEGER"),
        Dialect::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BIGINT",
            "TIMESTAMPTZ",
            "NUMERIC(12, 2)",
            "BOOLEAN",
        ),
    };
    let now = match dialect {
        Dialect::Sqlite => "CURRENT_TIMESTAMP",
        Dialect::Postgres => "now()",
    };
    let falsy = match dialect {
        Dialect::Sqlite => "0",
        Dialect::Postgres => "false",
    };
    let mut sql = format!(
        "CREATE TABLE t{i} (\n    id {id},\n    name TEXT NOT NULL,\n    code TEXT NOT NULL UNIQUE,\n    \
         status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'closed')),\n    \
         amount {money},\n    active {flag} NOT NULL DEFAULT {falsy},\n    \
         created_at {stamp} NOT NULL DEFAULT {now}"
    );
    if i > 1 {
        let parent = i / 2;
        let _ = write!(
            sql,
            ",\n    parent_id {key} REFERENCES t{parent} (id) ON DELETE CASCADE"
        );
    }
    sql.push_str("\n);\n");
    let _ = writeln!(sql, "CREATE INDEX t{i}_name ON t{i} (name);");
    if i > 1 {
        let _ = writeln!(sql, "CREATE INDEX t{i}_parent ON t{i} (parent_id);");
    }
    if i.is_multiple_of(10) {
        let _ = writeln!(
            sql,
            "CREATE VIEW t{i}_with_parent AS SELECT c.id, c.name, p.name AS parent_name \
             FROM t{i} c JOIN t{} p ON p.id = c.parent_id;",
            i / 2
        );
    }
    if i.is_multiple_of(20) {
        match dialect {
            Dialect::Sqlite => {
                let _ = writeln!(
                    sql,
                    "CREATE TRIGGER t{i}_closed AFTER UPDATE OF status ON t{i} \
                     WHEN NEW.status = 'closed' BEGIN UPDATE t{i} SET active = 0 WHERE id = NEW.id; END;"
                );
            }
            Dialect::Postgres => {
                let _ = writeln!(
                    sql,
                    "CREATE FUNCTION t{i}_touch() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN NEW.active := false; RETURN NEW; END $$;\n\
                     CREATE TRIGGER t{i}_closed BEFORE UPDATE OF status ON t{i} \
                     FOR EACH ROW WHEN (NEW.status = 'closed') EXECUTE FUNCTION t{i}_touch();"
                );
            }
        }
    }
    sql
}
