//! The PostgreSQL benchmark: fresh applies (each on a database created for it), no-op boots,
//! round trips, commits and WAL counted in an untimed pass, and the cost of validating a long
//! history. The measurements are the shared ones of `harness`, as on SQLite.

use crate::generate::{self, Dialect};
use crate::harness::{self, check, load_all, timed, BenchPool, Boots, Result, SizeResult};
use crate::large;
use crate::report::{self, Labels};
use crate::stats::Samples;
use crate::{Common, Contender, Tool};
use schema_runtime::{Migrations, Report};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Connection;
use std::ffi::OsString;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod count;
mod wire;

use count::{count, print_counts, Counted};
use wire::Proxy;

/// Pool size, the same for every contender.
const MAX_CONNECTIONS: u32 = 4;

/// Connections opened by this process's pools so far: the no-op timings check that they reuse
/// open connections. (This project's run takes the session that holds its lock from the pool.)
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

fn connections() -> usize {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// The pool every contender gets: sqlx's defaults but for its size.
async fn open_pool(options: PgConnectOptions) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .after_connect(|_, _| {
            Box::pin(async {
                CONNECTIONS.fetch_add(1, Ordering::Relaxed);
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// The PostgreSQL pool as the shared measurements use it.
impl BenchPool for PgPool {
    async fn schema_run(&self, migrator: schema_runtime::Migrator<'_>) -> Result<Report> {
        Ok(migrator.run(self).await?)
    }

    async fn status_len(&self, migrations: &Migrations) -> Result<usize> {
        Ok(migrations.status(self).await?.len())
    }

    async fn sqlx_run(&self, migrator: &Migrator) -> Result<()> {
        Ok(migrator.run(self).await?)
    }

    async fn sqlx_recorded(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM _sqlx_migrations WHERE success AND execution_time >= 0",
        )
        .fetch_one(self)
        .await?)
    }

    async fn seed_sqlx_history(&self, migrator: &Migrator) -> Result<()> {
        let mut conn = self.acquire().await?;
        conn.ensure_migrations_table().await?;
        let mut tx = conn.begin().await?;
        for m in migrator.iter() {
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, $2, TRUE, $3, 0)",
            )
            .bind(m.version)
            .bind(&*m.description)
            .bind(&*m.checksum)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn lower_bound(&self, sql: &[String], one_tx: bool) -> Result<()> {
        harness::lower_bound_on(self, sql, one_tx).await
    }

    async fn lower_recorded(&self, sql: &[String]) -> Result<()> {
        harness::lower_recorded_on(self, sql).await
    }

    /// As the probe sends it: an unnamed statement (`persistent(false)`) on a pooled
    /// connection.
    async fn probe_query(&self) -> Result<()> {
        sqlx::query("SELECT applied_count, fingerprint FROM _schema_modules WHERE module = $1")
            .persistent(false)
            .bind("default")
            .fetch_all(self)
            .await?;
        Ok(())
    }

    async fn first_query(&self) -> Result<()> {
        sqlx::raw_sql("SELECT 1").execute(self).await?;
        Ok(())
    }

    /// One network round trip (a prepared statement, cached after the warm-up).
    async fn round_trips(&self, runs: u32) -> Result<Samples> {
        let mut conn = self.acquire().await?;
        Ok(timed!(
            runs,
            sqlx::query("SELECT 1").execute(&mut *conn).await?
        ))
    }

    async fn object_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            r"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'v')
                AND c.relname NOT LIKE '\_%'",
        )
        .fetch_one(self)
        .await?)
    }

    async fn row_count(&self, table: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(self)
            .await?)
    }

    async fn fill(&self) -> Result<u32> {
        harness::fill_pool(self).await
    }

    async fn close_pool(&self) {
        self.close().await;
    }
}

/// The server of `--url`: creates and drops the benchmark's databases through its own
/// connection to the URL's database.
struct Server {
    url: String,
    options: PgConnectOptions,
    admin: PgPool,
    /// Every database this process creates starts with it.
    prefix: String,
}

impl Server {
    async fn connect(url: &str) -> Result<Server> {
        let options = PgConnectOptions::from_str(url)?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        Ok(Server {
            url: url.to_owned(),
            options,
            admin,
            prefix: format!("schema_bench_{}", std::process::id()),
        })
    }

    fn name(&self, what: &str) -> String {
        format!("{}_{}", self.prefix, what.replace('-', "_"))
    }

    fn options(&self, name: &str) -> PgConnectOptions {
        self.options.clone().database(name)
    }

    async fn exec(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql).execute(&self.admin).await?;
        Ok(())
    }

    async fn create(&self, name: &str) -> Result<()> {
        self.exec(&format!("CREATE DATABASE \"{name}\"")).await
    }

    async fn drop_db(&self, name: &str) -> Result<()> {
        self.exec(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
    }

    /// Drops every database this process created that is still there.
    async fn drop_all(&self) -> Result<()> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                .bind(format!("{}_", self.prefix))
                .fetch_all(&self.admin)
                .await?;
        for name in names {
            self.drop_db(&name).await?;
        }
        Ok(())
    }

    /// Writes the dirty pages out before a timed apply, so that each starts from the same
    /// state (and pays the same full-page images). Needs the right to; skipped without it.
    async fn checkpoint(&self) {
        let _ = self.exec("CHECKPOINT").await;
    }

    async fn setting(&self, name: &str) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT current_setting($1)")
            .bind(name)
            .fetch_one(&self.admin)
            .await?)
    }
}

const LABELS: Labels = Labels {
    title: "PostgreSQL",
    round_trip: "↳ one statement on a held connection (one network round trip)",
    none_row: "no-op boot, whole process, connect + `SELECT 1` only (no migrator)",
    first_query: "a first `SELECT 1`",
    aon_target: false,
};

pub async fn bench(args: &Common, url: &str) -> Result<()> {
    let server = Server::connect(url).await?;
    let result = bench_on(&server, args).await;
    let dropped = server.drop_all().await;
    server.admin.close().await;
    result?;
    dropped
}

async fn bench_on(server: &Server, args: &Common) -> Result<()> {
    let tmp = tempfile::Builder::new().prefix("schema-bench-").tempdir()?;
    let root = tmp.path().to_owned();
    let mut settings = Vec::new();
    for name in [
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "wal_sync_method",
        "shared_buffers",
    ] {
        settings.push(server.setting(name).await?);
    }
    let durable = settings[1] == "on" && settings[2] == "on" && settings[3] == "on";
    let host = server.options.get_host().to_owned();
    println!("# schema-bench: PostgreSQL\n");
    println!(
        "PostgreSQL {} at {host}:{}, fsync {}, synchronous_commit {}, full_page_writes {} ({}), \
         wal_sync_method {}, shared_buffers {}; each fresh apply on a database created for it \
         (`CREATE DATABASE`, then `CHECKPOINT`, untimed) and dropped after; pool of at most \
         {MAX_CONNECTIONS} connections, the same for every contender; {} CPUs. Fresh applies: \
         median of {} runs (min–max), the contenders in rotating order; no-op boots: median of \
         {} runs after untimed warm-up calls on every pooled connection. Migrations in `{}`.\n",
        settings[0],
        server.options.get_port(),
        settings[1],
        settings[2],
        settings[3],
        if durable {
            "the defaults: every commit waits for its WAL flush"
        } else {
            "**not durable: commits do not wait for the disk; run the server with the defaults, e.g. `SCHEMA_PG_DURABLE=1 scripts/with-postgres ...`**"
        },
        settings[4],
        settings[5],
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.runs,
        args.boot_runs,
        root.display()
    );
    // The counting proxy needs a TCP server address.
    let proxy = if host.starts_with('/') {
        None
    } else {
        Some(Proxy::start(&host, server.options.get_port()).await?)
    };
    if !args.no_fresh {
        for &n in &args.sizes {
            let (result, counted) = bench_size(server, proxy.as_ref(), &root, n, args).await?;
            report::print_size(&result, &LABELS);
            print_counts(n, &counted);
        }
    }
    if !args.large.is_empty() {
        let db =
            |c: Contender, mb: usize, run: usize| server.name(&format!("large_{mb}_{c}_{run}"));
        large::bench(
            &root,
            Dialect::Postgres,
            &args.large,
            args.runs,
            Duration::from_secs(args.large_timeout),
            async |c, mb, run| {
                let name = db(c, mb, run);
                server.create(&name).await?;
                server.checkpoint().await;
                open_pool(server.options(&name)).await
            },
            async |pool: PgPool, c, mb, run| {
                pool.close().await;
                server.drop_db(&db(c, mb, run)).await
            },
        )
        .await?;
    }
    if !args.no_validate && !args.validate.is_empty() {
        validation(server, &root, args).await?;
    }
    print_notes();
    if args.keep {
        let kept = tmp.keep();
        println!("\nKept `{}` (the databases are dropped).", kept.display());
    }
    Ok(())
}

async fn bench_size(
    server: &Server,
    proxy: Option<&Proxy>,
    root: &Path,
    n: usize,
    args: &Common,
) -> Result<(SizeResult, Vec<Counted>)> {
    let contenders = harness::contenders(&args.contenders);
    eprintln!(
        "[N = {n}] generating, then {} rounds of {} fresh applies",
        args.runs,
        contenders.len()
    );
    let dir = root.join(format!("migrations-{n}"));
    std::fs::create_dir_all(&dir)?;
    let (files, mix) = generate::generate(n, Dialect::Postgres);
    generate::write(&dir, &files)?;
    let loaded = load_all(&dir).await?;
    check(loaded.sql.len() == n, "a loader did not find every file")?;

    // The first run of each tool stays for the no-op boots; the others are dropped at once.
    let db = |c: Contender, run: usize| server.name(&format!("{n}_{c}_{run}"));
    let kept =
        |c: Contender, run: usize| run == 0 && matches!(c, Contender::SchemaRun | Contender::Sqlx);
    let (fresh, objects) = harness::fresh_rounds(&contenders, args.runs, async |c, run| {
        let name = db(c, run);
        server.create(&name).await?;
        server.checkpoint().await;
        let pool = open_pool(server.options(&name)).await?;
        let elapsed = harness::apply(c, &pool, &loaded).await?;
        let objects = pool.object_count().await?;
        pool.close().await;
        if !kept(c, run) {
            server.drop_db(&name).await?;
        }
        Ok((elapsed, objects))
    })
    .await?;

    // No-op boots on the databases the tools themselves applied.
    let both = contenders.contains(&Contender::SchemaRun) && contenders.contains(&Contender::Sqlx);
    let (schema_db, sqlx_db) = (db(Contender::SchemaRun, 0), db(Contender::Sqlx, 0));
    let boots = if both {
        eprintln!("  no-op boots");
        let schema_pool = open_pool(server.options(&schema_db)).await?;
        let sqlx_pool = open_pool(server.options(&sqlx_db)).await?;
        let calls = harness::noop_calls(
            &schema_pool,
            &sqlx_pool,
            &loaded,
            args.boot_runs,
            connections,
        )
        .await?;
        schema_pool.close().await;
        sqlx_pool.close().await;
        let child = |tool: &str, db: &str| -> Vec<OsString> {
            let a = ["boot-once", "--tool", tool, "--url", &server.url];
            let mut a: Vec<OsString> = a.map(OsString::from).into();
            a.extend([
                "--database".into(),
                db.into(),
                "--dir".into(),
                dir.clone().into(),
            ]);
            a
        };
        let tools = [
            child("schema", &schema_db),
            child("sqlx", &sqlx_db),
            child("none", &schema_db),
        ];
        let [schema, sqlx, none] = harness::noop_processes(&tools, args.boot_runs)?;
        Some(Boots {
            calls,
            schema,
            sqlx,
            none,
        })
    } else {
        None
    };
    let counted = match proxy {
        Some(proxy) => {
            eprintln!("  counting round trips and commits");
            let noop = both.then_some((schema_db.as_str(), sqlx_db.as_str()));
            count(server, proxy, n, &contenders, &loaded, noop).await?
        }
        None => Vec::new(),
    };
    for c in contenders.iter().filter(|c| kept(**c, 0)) {
        server.drop_db(&db(*c, 0)).await?;
    }
    let result = SizeResult {
        n,
        mix,
        objects,
        fresh,
        boots,
        schema_load: loaded.schema_load,
        sqlx_load: loaded.sqlx_load,
    };
    Ok((result, counted))
}

/// The `boot-once` child on a PostgreSQL database: `url`'s server, `database` if given.
pub async fn boot_once(tool: Tool, url: &str, database: Option<&str>, dir: &Path) -> Result<()> {
    harness::boot_once(tool, dir, async || {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(database) = database {
            options = options.database(database);
        }
        open_pool(options).await
    })
    .await
}

/// The no-op paths against histories of each `--validate` size; see [`harness::validation_row`].
async fn validation(server: &Server, root: &Path, args: &Common) -> Result<()> {
    let mut rows = Vec::new();
    for &n in &args.validate {
        eprintln!("[validation N = {n}] generating and applying");
        let dir = root.join(format!("validate-{n}"));
        std::fs::create_dir_all(&dir)?;
        generate::write(&dir, &generate::generate_history(n, Dialect::Postgres))?;
        let loaded = load_all(&dir).await?;
        let name = server.name(&format!("validate_{n}"));
        server.create(&name).await?;
        let pool = open_pool(server.options(&name)).await?;
        rows.push(harness::validation_row(&pool, &loaded, args.boot_runs, connections).await?);
        pool.close().await;
        server.drop_db(&name).await?;
    }
    let intro = format!(
        "Histories of N one-statement migrations (a table, then small inserts and updates), each \
         on a database of its own, applied with `all_or_nothing` (setup, timed for information). \
         sqlx's `_sqlx_migrations` is seeded in the same database with the rows its \
         `Migrator::run` would have written (its own `ensure_migrations_table`, its checksums). \
         Median (min–max) of {} calls of each, back to back after warm-up calls on every \
         connection of one open pool; per migration = median / N.",
        args.boot_runs
    );
    report::print_validation("PostgreSQL", &intro, &rows);
    Ok(())
}

fn print_notes() {
    println!("## Notes\n");
    println!(
        "- sqlx is measured through `sqlx::migrate::Migrator::new(Path)`, the run-time twin of \
         `sqlx::migrate!`: both build the same `Migrator`, and `Migrator::run` is the same apply \
         code (per file: `BEGIN`, the file in one simple query, the row insert, `COMMIT`, then \
         an auto-committed `UPDATE ... execution_time`: two commits per file).\n\
         - The lower bound runs each file's SQL with `sqlx::raw_sql` (one simple query per \
         file) on one pooled connection, no bookkeeping: in its own `BEGIN`/`COMMIT` per file, \
         or all files in one transaction.\n\
         - Every apply starts on a database created for it from `template1`, after a \
         `CHECKPOINT`, so that none inherits another's dirty pages; creating, checkpointing, \
         connecting and dropping are outside the timing. In-process timings start with the \
         pool open and the folder loaded; the pool's connection is acquired inside the timing, \
         as each tool does it (this project's run holds its advisory lock on that \
         connection).\n\
         - The whole-process no-op boot spawns this binary's hidden `boot-once` subcommand with \
         the server's URL and the database and waits for it: process start, tokio runtime, \
         reading and hashing the folder at run time (`Migrations::load` / `Migrator::new`; a \
         real service embeds the set at build time and skips that), connecting (a new server \
         process: milliseconds), the migrator call, and closing the pool. The connect and the \
         process start are paid by every tool alike, so the whole-process ratio cannot reach \
         the 0.5x that the migrator call is held to; the child's phases show where it goes.\n\
         - The server is on loopback: a round trip costs tens of microseconds here, and more \
         over a real network, where the counts of round trips matter more than these times."
    );
}
