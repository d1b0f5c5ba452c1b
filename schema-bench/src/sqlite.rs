//! The SQLite benchmark: fresh applies, no-op boots, and the cost of validating a long history.

use crate::generate::{self, Dialect};
use crate::harness::{self, check, load_all, timed, BenchPool, Boots, Loaded, Result, SizeResult};
use crate::large;
use crate::report::{self, Labels};
use crate::stats::Samples;
use crate::{Common, Contender, Tool};
use schema_runtime::{Migrations, Report};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;
use std::ffi::OsString;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Pool size, the same for every contender.
const MAX_CONNECTIONS: u32 = 4;

/// Connection settings, the same for every contender (and passed on to `boot-once`). Left
/// unset, they are the defaults the benchmark is about: SQLite's journal mode (`DELETE`) and
/// sqlx's `synchronous` (FULL). Setting them helps tell disk time from CPU time.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Options {
    /// `PRAGMA journal_mode` for every connection (default: not set, SQLite's DELETE).
    #[arg(long, value_parser = ["delete", "truncate", "persist", "memory", "wal", "off"])]
    pub journal_mode: Option<String>,
    /// `PRAGMA synchronous` for every connection (default: not set, sqlx's FULL).
    #[arg(long, value_parser = ["off", "normal", "full", "extra"])]
    pub synchronous: Option<String>,
}

impl Options {
    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(j) = &self.journal_mode {
            args.extend(["--journal-mode".to_owned(), j.clone()]);
        }
        if let Some(s) = &self.synchronous {
            args.extend(["--synchronous".to_owned(), s.clone()]);
        }
        args
    }
}

static OPTIONS: OnceLock<Options> = OnceLock::new();

/// Connections opened by this process so far: the no-op timings check that they reuse open
/// connections (a new one re-reads the whole schema of the database on first use).
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// The pool every contender gets: a file created if missing, sqlx's defaults otherwise
/// (journal mode left as SQLite's default, `DELETE`; `synchronous` FULL; foreign keys on),
/// unless [`Options`] say otherwise.
async fn open_pool(db: &Path) -> Result<SqlitePool> {
    let mut options = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(true);
    let set = OPTIONS.get_or_init(Options::default);
    if let Some(j) = &set.journal_mode {
        options = options.journal_mode(SqliteJournalMode::from_str(j)?);
    }
    if let Some(s) = &set.synchronous {
        options = options.synchronous(SqliteSynchronous::from_str(s)?);
    }
    Ok(SqlitePoolOptions::new()
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

fn connections() -> usize {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// The SQLite pool as the shared measurements use it: the tools' calls, the lower bound and
/// the probes.
impl BenchPool for SqlitePool {
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
                 VALUES (?1, ?2, TRUE, ?3, 0)",
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

    async fn probe_query(&self) -> Result<()> {
        sqlx::query("SELECT applied_count, fingerprint FROM _schema_modules WHERE module = ?1")
            .bind("default")
            .fetch_optional(self)
            .await?;
        Ok(())
    }

    async fn first_query(&self) -> Result<()> {
        // Makes SQLite read the schema, as the first query of any tool does.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(self)
            .await?;
        Ok(())
    }

    /// sqlx's round trip to its SQLite worker thread, paid by every statement.
    async fn round_trips(&self, runs: u32) -> Result<Samples> {
        let mut conn = self.acquire().await?;
        Ok(timed!(
            runs,
            sqlx::query("SELECT 1").execute(&mut *conn).await?
        ))
    }

    async fn object_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            r"SELECT count(*) FROM sqlite_master
              WHERE name NOT LIKE '\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'",
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

/// Applies every migration to the fresh database `db` with `contender`; returns the time of
/// the apply alone (the pool is opened before and closed after the timing) and the number of
/// objects it left.
async fn fresh_apply(contender: Contender, db: &Path, loaded: &Loaded) -> Result<(Duration, i64)> {
    let pool = open_pool(db).await?;
    let elapsed = harness::apply(contender, &pool, loaded).await?;
    let objects = pool.object_count().await?;
    pool.close().await;
    Ok((elapsed, objects))
}

const LABELS: Labels = Labels {
    title: "SQLite",
    round_trip: "↳ one statement on a held connection (sqlx's round trip to its SQLite thread)",
    none_row: "no-op boot, whole process, connect + read schema only (no migrator)",
    first_query: "SQLite's schema read",
    aon_target: true,
};

pub async fn bench(args: &Common, options: Options) -> Result<()> {
    let _ = OPTIONS.set(options);
    let tmp = tempfile::Builder::new().prefix("schema-bench-").tempdir()?;
    let root = tmp.path().to_owned();
    let (version, journal, synchronous): (String, String, i64) = {
        let pool = open_pool(&root.join("probe.db")).await?;
        let v = sqlx::query_scalar("SELECT sqlite_version()")
            .fetch_one(&pool)
            .await?;
        let j = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await?;
        let s = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        (v, j, s)
    };
    let synchronous = match synchronous {
        0 => "OFF",
        1 => "NORMAL",
        2 => "FULL",
        _ => "EXTRA",
    };
    let defaults = if OPTIONS.get_or_init(Options::default).args().is_empty() {
        "the defaults"
    } else {
        "**not the defaults**"
    };
    println!("# schema-bench: SQLite\n");
    println!(
        "SQLite {version} (bundled by sqlx 0.8.6), file databases in `{}`, journal mode {journal}, \
         synchronous {synchronous} ({defaults}), foreign keys on, pool of at most {MAX_CONNECTIONS} \
         connections, the same for every contender; {} CPUs. Fresh applies: median of {} runs \
         (min–max), each on a new file, the contenders in rotating order; no-op boots: median of \
         {} runs after untimed warm-up calls on every pooled connection.\n",
        root.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.runs,
        args.boot_runs
    );
    if !args.no_fresh {
        for &n in &args.sizes {
            let result = bench_size(&root, n, args).await?;
            report::print_size(&result, &LABELS);
        }
    }
    if !args.large.is_empty() {
        let dbs = root.join("db-large");
        std::fs::create_dir_all(&dbs)?;
        let db = |c: Contender, mb: usize, run: usize| dbs.join(format!("{c}-{mb}mb-{run}.db"));
        large::bench(
            &root,
            Dialect::Sqlite,
            &args.large,
            args.runs,
            Duration::from_secs(args.large_timeout),
            async |c, mb, run| open_pool(&db(c, mb, run)).await,
            async |pool: SqlitePool, c, mb, run| {
                pool.close().await;
                Ok(std::fs::remove_file(db(c, mb, run))?)
            },
        )
        .await?;
    }
    if !args.no_validate && !args.validate.is_empty() {
        validation(&root, args).await?;
    }
    print_notes();
    if args.keep {
        let kept = tmp.keep();
        println!("\nKept `{}`.", kept.display());
    }
    Ok(())
}

async fn bench_size(root: &Path, n: usize, args: &Common) -> Result<SizeResult> {
    let contenders = harness::contenders(&args.contenders);
    eprintln!(
        "[N = {n}] generating, then {} rounds of {} fresh applies",
        args.runs,
        contenders.len()
    );
    let dir = root.join(format!("migrations-{n}"));
    std::fs::create_dir_all(&dir)?;
    let (files, mix) = generate::generate(n, Dialect::Sqlite);
    generate::write(&dir, &files)?;
    let loaded = load_all(&dir).await?;
    check(loaded.sql.len() == n, "a loader did not find every file")?;

    let dbs = root.join(format!("db-{n}"));
    std::fs::create_dir_all(&dbs)?;
    let (fresh, objects) = harness::fresh_rounds(&contenders, args.runs, async |c, run| {
        fresh_apply(c, &dbs.join(format!("{c}-{run}.db")), &loaded).await
    })
    .await?;

    // No-op boots on the databases the tools themselves applied.
    let boots =
        if contenders.contains(&Contender::SchemaRun) && contenders.contains(&Contender::Sqlx) {
            let schema_db = dbs.join(format!("{}-0.db", Contender::SchemaRun));
            let sqlx_db = dbs.join(format!("{}-0.db", Contender::Sqlx));
            eprintln!("  no-op boots");
            let schema_pool = open_pool(&schema_db).await?;
            let sqlx_pool = open_pool(&sqlx_db).await?;
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
            let child = |tool: &str, db: &Path| -> Vec<OsString> {
                let mut a: Vec<OsString> = ["boot-once", "--tool", tool, "--db"]
                    .map(OsString::from)
                    .into();
                a.push(db.into());
                a.push("--dir".into());
                a.push(dir.clone().into());
                a.extend(
                    OPTIONS
                        .get_or_init(Options::default)
                        .args()
                        .into_iter()
                        .map(OsString::from),
                );
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

    Ok(SizeResult {
        n,
        mix,
        objects,
        fresh,
        boots,
        schema_load: loaded.schema_load,
        sqlx_load: loaded.sqlx_load,
    })
}

/// The `boot-once` child on an SQLite file.
pub async fn boot_once(tool: Tool, db: &Path, dir: &Path, options: Options) -> Result<()> {
    let _ = OPTIONS.set(options);
    harness::boot_once(tool, dir, async || open_pool(db).await).await
}

/// The no-op paths against histories of each `--validate` size; see [`harness::validation_row`].
async fn validation(root: &Path, args: &Common) -> Result<()> {
    let mut rows = Vec::new();
    for &n in &args.validate {
        eprintln!("[validation N = {n}] generating and applying");
        let dir = root.join(format!("validate-{n}"));
        std::fs::create_dir_all(&dir)?;
        let files = generate::generate_history(n, Dialect::Sqlite);
        generate::write(&dir, &files)?;
        let loaded = load_all(&dir).await?;
        let pool = open_pool(&root.join(format!("validate-{n}.db"))).await?;
        rows.push(harness::validation_row(&pool, &loaded, args.boot_runs, connections).await?);
        pool.close().await;
    }
    let intro = format!(
        "Histories of N one-statement migrations (a table, then small inserts and updates: the \
         cost of validating a history does not depend on what the files do, and SQLite's DDL \
         gets slower as the schema grows), applied with `all_or_nothing` (setup, timed for \
         information). sqlx's `_sqlx_migrations` is seeded in the same file with the rows its \
         `Migrator::run` would have written (its own `ensure_migrations_table`, its checksums). \
         Median (min–max) of {} calls of each, back to back after warm-up calls on every connection of one open pool; per \
         migration = median / N.",
        args.boot_runs
    );
    report::print_validation("SQLite", &intro, &rows);
    Ok(())
}

fn print_notes() {
    println!("## Notes\n");
    println!(
        "- sqlx is measured through `sqlx::migrate::Migrator::new(Path)`, the run-time twin of \
         `sqlx::migrate!`: both build the same `Migrator`, and `Migrator::run` is the same apply \
         code (per file: `BEGIN`, the file, the row insert, `COMMIT`, then an auto-committed \
         `UPDATE ... execution_time`).\n\
         - The lower bound runs each file's SQL with `sqlx::raw_sql` on one pooled connection, \
         no bookkeeping: in its own `BEGIN`/`COMMIT` per file, or all files in one transaction.\n\
         - In-process timings start with the pool open and the folder loaded; the pool's \
         connection is acquired inside the timing, as each tool does it.\n\
         - The whole-process no-op boot spawns this binary's hidden `boot-once` subcommand and \
         waits for it: process start, tokio runtime, reading and hashing the folder at run time \
         (`Migrations::load` / `Migrator::new`; a real service embeds the set at build time with \
         `embed_migrations!` / `migrate!` and skips that), connecting, the migrator call (whose \
         first query makes SQLite read the database's whole schema), and closing the pool. \
         Nothing is excluded; the child reports its phases, and the connect-only row is the \
         same process without a migrator. On SQLite that first query reads the schema of the \
         whole database (milliseconds at 1,000 migrations), and with the process start it is \
         paid by every tool alike: the whole-process ratio cannot reach the 0.5x that the \
         migrator call is held to.\n\
         - Disk latency on a shared machine swings between runs: the min–max spreads show it, \
         and the ratio of minimums is the steadier figure when they are wide."
    );
}
