//! The SQLite benchmark: fresh applies, no-op boots, and the cost of validating a long history.

use crate::generate::{self, Mix};
use crate::stats::{per, ratio, time, Samples};
use crate::{Common, Contender, Tool};
use schema_runtime::Migrations;
use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

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

/// `Migrations::load` on a folder given as one path.
fn load_schema(dir: &Path) -> Result<Migrations> {
    let root = dir.parent().unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("bad migrations folder `{}`", dir.display()))?;
    Migrations::load(root, name).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        lines.join("\n").into()
    })
}

/// The folder as each contender loads it, loaded once, outside every in-process timing.
struct Loaded {
    schema: Migrations,
    sqlx: Migrator,
    /// The files' SQL, for the lower bound.
    sql: Vec<String>,
    schema_load: Duration,
    sqlx_load: Duration,
}

async fn load_all(dir: &Path) -> Result<Loaded> {
    let started = Instant::now();
    let schema = load_schema(dir)?;
    let schema_load = started.elapsed();
    let started = Instant::now();
    let sqlx = Migrator::new(dir).await?;
    let sqlx_load = started.elapsed();
    let sql: Vec<String> = schema.applying().map(|m| m.sql.to_owned()).collect();
    check(
        sql.len() == sqlx.iter().count(),
        "the two loaders found different files",
    )?;
    Ok(Loaded {
        schema,
        sqlx,
        sql,
        schema_load,
        sqlx_load,
    })
}

/// The user objects (tables, indexes, views) a database holds, tracking tables left out:
/// every contender must end with the same number.
async fn object_count(pool: &SqlitePool) -> Result<i64> {
    Ok(sqlx::query_scalar(
        r"SELECT count(*) FROM sqlite_master
          WHERE name NOT LIKE '\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'",
    )
    .fetch_one(pool)
    .await?)
}

/// Applies every migration to the fresh database `db` with `contender`; returns the time of
/// the apply alone (the pool is opened before and closed after the timing) and the number of
/// objects it left.
async fn fresh_apply(contender: Contender, db: &Path, loaded: &Loaded) -> Result<(Duration, i64)> {
    let n = loaded.sql.len();
    let pool = open_pool(db).await?;
    let started = Instant::now();
    match contender {
        Contender::SchemaRun => {
            let report = loaded.schema.run(&pool).await?;
            let elapsed = started.elapsed();
            check(report.applied.len() == n, "schema run applied too few")?;
            finish(pool, elapsed).await
        }
        Contender::SchemaAon => {
            let report = loaded.schema.migrator().all_or_nothing().run(&pool).await?;
            let elapsed = started.elapsed();
            check(
                report.applied.len() == n,
                "schema all_or_nothing applied too few",
            )?;
            finish(pool, elapsed).await
        }
        Contender::Sqlx => {
            loaded.sqlx.run(&pool).await?;
            let elapsed = started.elapsed();
            let rows: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM _sqlx_migrations WHERE success AND execution_time >= 0",
            )
            .fetch_one(&pool)
            .await?;
            check(rows == n as i64, "sqlx recorded too few")?;
            finish(pool, elapsed).await
        }
        Contender::LowerPerFile => {
            let mut conn = pool.acquire().await?;
            for sql in &loaded.sql {
                let mut tx = conn.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            drop(conn);
            let elapsed = started.elapsed();
            finish(pool, elapsed).await
        }
        Contender::LowerOneTx => {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            for sql in &loaded.sql {
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            drop(conn);
            let elapsed = started.elapsed();
            finish(pool, elapsed).await
        }
    }
}

async fn finish(pool: SqlitePool, elapsed: Duration) -> Result<(Duration, i64)> {
    let objects = object_count(&pool).await?;
    pool.close().await;
    Ok((elapsed, objects))
}

fn check(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(what.into())
    }
}

/// What the `boot-once` child reports of its own phases, besides the wall time the parent
/// measures around it.
#[derive(Default)]
struct Phases {
    wall: Samples,
    load: Samples,
    connect: Samples,
    call: Samples,
    close: Samples,
}

impl Phases {
    /// The process outside the four phases: start, runtime, exit.
    fn rest(&self) -> Duration {
        let inside =
            self.load.median() + self.connect.median() + self.call.median() + self.close.median();
        self.wall.median().saturating_sub(inside)
    }
}

/// The no-op boot measurements of one size.
struct Boots {
    calls: Calls,
    schema: Phases,
    sqlx: Phases,
    none: Phases,
}

/// Everything measured for one size.
struct SizeResult {
    n: usize,
    mix: Mix,
    objects: i64,
    fresh: Vec<(Contender, Samples)>,
    boots: Option<Boots>,
    schema_load: Duration,
    sqlx_load: Duration,
}

impl SizeResult {
    fn fresh(&self, c: Contender) -> Option<&Samples> {
        self.fresh.iter().find(|(k, _)| *k == c).map(|(_, s)| s)
    }
}

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
         {} runs after one untimed warm-up.\n",
        root.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.runs,
        args.boot_runs
    );
    if !args.no_fresh {
        for &n in &args.sizes {
            let result = bench_size(&root, n, args).await?;
            print_size(&result);
        }
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
    let contenders: Vec<Contender> = Contender::ALL
        .into_iter()
        .filter(|c| args.contenders.contains(c))
        .collect();
    eprintln!(
        "[N = {n}] generating, then {} rounds of {} fresh applies",
        args.runs,
        contenders.len()
    );
    let dir = root.join(format!("migrations-{n}"));
    std::fs::create_dir_all(&dir)?;
    let (files, mix) = generate::generate(n);
    generate::write(&dir, &files)?;
    let loaded = load_all(&dir).await?;
    check(loaded.sql.len() == n, "a loader did not find every file")?;

    // Fresh applies, the contenders in a rotating order so that drift spreads over all.
    let mut fresh: Vec<(Contender, Samples)> = contenders
        .iter()
        .map(|c| (*c, Samples::default()))
        .collect();
    let mut objects: Option<i64> = None;
    let dbs = root.join(format!("db-{n}"));
    std::fs::create_dir_all(&dbs)?;
    for run in 0..args.runs as usize {
        for k in 0..contenders.len() {
            let c = contenders[(k + run) % contenders.len()];
            let db = dbs.join(format!("{c}-{run}.db"));
            let (elapsed, count) = fresh_apply(c, &db, &loaded).await?;
            match objects {
                None => objects = Some(count),
                Some(expected) if expected != count => {
                    return Err(
                        format!("{c} left {count} objects, another contender {expected}").into(),
                    )
                }
                Some(_) => {}
            }
            eprintln!("  run {run} {c:<15} {}", time(elapsed));
            if let Some((_, s)) = fresh.iter_mut().find(|(k, _)| *k == c) {
                s.push(elapsed);
            }
        }
    }

    // No-op boots on the databases the tools themselves applied.
    let boots =
        if contenders.contains(&Contender::SchemaRun) && contenders.contains(&Contender::Sqlx) {
            let schema_db = dbs.join(format!("{}-0.db", Contender::SchemaRun));
            let sqlx_db = dbs.join(format!("{}-0.db", Contender::Sqlx));
            eprintln!("  no-op boots");
            let calls = noop_calls(&schema_db, &sqlx_db, &loaded, args).await?;
            let [schema, sqlx, none] = noop_processes(&schema_db, &sqlx_db, &dir, args)?;
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
        objects: objects.unwrap_or_default(),
        fresh,
        boots,
        schema_load: loaded.schema_load,
        sqlx_load: loaded.sqlx_load,
    })
}

/// Times `$body` `$runs` times after one untimed warm-up run, back to back.
macro_rules! timed {
    ($runs:expr, $body:expr) => {{
        let mut samples = Samples::default();
        for i in 0..=$runs {
            let started = Instant::now();
            $body;
            let elapsed = started.elapsed();
            if i > 0 {
                samples.push(elapsed);
            }
        }
        samples
    }};
}

/// The no-op calls of one size, each timed back to back on its own open pool.
struct Calls {
    schema: Samples,
    sqlx: Samples,
    /// The probe's one query alone, through the pool: the floor of any migrator call.
    one_query: Samples,
    /// One `SELECT 1` on a connection held out of the pool: sqlx's round trip to its SQLite
    /// worker thread, paid by every statement.
    round_trip: Samples,
    /// Connections the timed calls opened (0 when they all reused open ones).
    new_connections: usize,
}

/// The migrator call alone on an open pool, with nothing to apply: one warm-up call each
/// (connection opened, schema read, statements prepared), then `boot_runs` timed calls.
async fn noop_calls(
    schema_db: &Path,
    sqlx_db: &Path,
    loaded: &Loaded,
    args: &Common,
) -> Result<Calls> {
    let schema_pool = open_pool(schema_db).await?;
    let sqlx_pool = open_pool(sqlx_db).await?;
    // Warm both pools up before counting connections.
    loaded.schema.run(&schema_pool).await?;
    loaded.sqlx.run(&sqlx_pool).await?;
    let opened_before = connections();
    let schema = timed!(args.boot_runs, {
        let report = loaded.schema.run(&schema_pool).await?;
        check(
            report.applied.is_empty() && report.up_to_date_at_boot,
            "schema no-op boot was not a no-op",
        )?;
    });
    let sqlx = timed!(args.boot_runs, loaded.sqlx.run(&sqlx_pool).await?);
    let new_connections = connections() - opened_before;
    let one_query = timed!(
        args.boot_runs,
        sqlx::query("SELECT applied_count, fingerprint FROM _schema_modules WHERE module = ?1")
            .bind("default")
            .fetch_optional(&schema_pool)
            .await?
    );
    let mut conn = schema_pool.acquire().await?;
    let round_trip = timed!(
        args.boot_runs,
        sqlx::query("SELECT 1").execute(&mut *conn).await?
    );
    drop(conn);
    schema_pool.close().await;
    sqlx_pool.close().await;
    Ok(Calls {
        schema,
        sqlx,
        one_query,
        round_trip,
        new_connections,
    })
}

/// The whole process: this binary's hidden `boot-once` subcommand, spawned and waited for,
/// `boot_runs` times per tool after one untimed round, the tools taking turns.
fn noop_processes(
    schema_db: &Path,
    sqlx_db: &Path,
    dir: &Path,
    args: &Common,
) -> Result<[Phases; 3]> {
    let exe = std::env::current_exe()?;
    let mut out = [Phases::default(), Phases::default(), Phases::default()];
    let tools = [
        ("schema", schema_db),
        ("sqlx", sqlx_db),
        ("none", schema_db),
    ];
    for i in 0..=args.boot_runs {
        for (k, (name, db)) in tools.iter().enumerate() {
            let started = Instant::now();
            let output = Command::new(&exe)
                .args(["boot-once", "--tool", name, "--db"])
                .arg(db)
                .arg("--dir")
                .arg(dir)
                .args(OPTIONS.get_or_init(Options::default).args())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()?;
            let elapsed = started.elapsed();
            if !output.status.success() {
                return Err(format!(
                    "boot-once --tool {name} failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            if i == 0 {
                continue;
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let phases: Vec<u64> = stdout
                .strip_prefix("phases ")
                .ok_or("boot-once printed no phases")?
                .split_whitespace()
                .map(str::parse)
                .collect::<std::result::Result<_, _>>()?;
            let [load, connect, call, close] = phases[..] else {
                return Err("boot-once printed bad phases".into());
            };
            let p = &mut out[k];
            p.wall.push(elapsed);
            p.load.push(Duration::from_nanos(load));
            p.connect.push(Duration::from_nanos(connect));
            p.call.push(Duration::from_nanos(call));
            p.close.push(Duration::from_nanos(close));
        }
    }
    Ok(out)
}

/// The child of [`noop_processes`]: reads the folder, connects, runs the migrator (for
/// `none`, a query that makes SQLite read the schema, as the first query of any tool does),
/// closes the pool, and prints how long each phase took, in nanoseconds.
pub async fn boot_once(tool: Tool, db: &Path, dir: &Path, options: Options) -> Result<()> {
    let _ = OPTIONS.set(options);
    let nanos = |d: Duration| d.as_nanos() as u64;
    let started = Instant::now();
    let (schema, sqlx) = match tool {
        Tool::Schema => (Some(load_schema(dir)?), None),
        Tool::Sqlx => (None, Some(Migrator::new(dir).await?)),
        Tool::None => (None, None),
    };
    let load = started.elapsed();
    let started = Instant::now();
    let pool = open_pool(db).await?;
    let connect = started.elapsed();
    let started = Instant::now();
    if let Some(migrations) = schema {
        let report = migrations.run(&pool).await?;
        check(report.applied.is_empty(), "boot-once applied migrations")?;
    } else if let Some(migrator) = sqlx {
        migrator.run(&pool).await?;
    } else {
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&pool)
            .await?;
    }
    let call = started.elapsed();
    let started = Instant::now();
    pool.close().await;
    let close = started.elapsed();
    println!(
        "phases {} {} {} {}",
        nanos(load),
        nanos(connect),
        nanos(call),
        nanos(close)
    );
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

fn print_size(r: &SizeResult) {
    let n = r.n;
    println!("## SQLite, N = {n}\n");
    println!(
        "Files: {}. Every contender left the same {} tables, indexes and views.\n",
        r.mix, r.objects
    );
    println!("| measurement | time | per migration | target | met |");
    println!("|---|---:|---:|---|---|");
    let rows = [
        (
            Contender::SchemaRun,
            "fresh apply, this project `run` (one tx per file)",
        ),
        (
            Contender::SchemaAon,
            "fresh apply, this project `all_or_nothing` (one tx)",
        ),
        (Contender::Sqlx, "fresh apply, sqlx `Migrator::run`"),
        (
            Contender::LowerPerFile,
            "fresh apply, lower bound, one tx per file",
        ),
        (
            Contender::LowerOneTx,
            "fresh apply, lower bound, one tx for all",
        ),
    ];
    for (c, what) in rows {
        if let Some(s) = r.fresh(c) {
            println!(
                "| {what} | {} | {} | | |",
                s.show(),
                time(per(s.median(), n))
            );
        }
    }
    if let Some(b) = &r.boots {
        let row = |what: &str, s: &Samples| println!("| {what} | {} | | | |", s.show());
        row("no-op boot, migrator call, this project", &b.calls.schema);
        row("no-op boot, migrator call, sqlx", &b.calls.sqlx);
        row(
            "↳ floor: the probe's one query alone through the pool",
            &b.calls.one_query,
        );
        row(
            "↳ one statement on a held connection (sqlx's round trip to its SQLite thread)",
            &b.calls.round_trip,
        );
        let phases = |what: &str, p: &Phases| {
            row(what, &p.wall);
            println!(
                "| ↳ in the child: load folder {} · connect {} · call {} · close pool {} · rest (exec, runtime, exit) {} | | | | |",
                time(p.load.median()),
                time(p.connect.median()),
                time(p.call.median()),
                time(p.close.median()),
                time(p.rest())
            );
        };
        phases("no-op boot, whole process, this project", &b.schema);
        phases("no-op boot, whole process, sqlx", &b.sqlx);
        phases(
            "no-op boot, whole process, connect + read schema only (no migrator)",
            &b.none,
        );
    }
    // A ratio row: the ratio of medians, and the ratio of minimums (less sensitive to the
    // disk's bursts of latency).
    let ratio_row =
        |what: &str, a: &Samples, b: &Samples, target: &str, ok: Option<fn(f64) -> bool>| {
            let x = ratio(a.median(), b.median());
            let x_min = ratio(a.min(), b.min());
            println!(
                "| {what} | **{x:.2}x** (of minimums: {x_min:.2}x) | | {target} | {} |",
                ok.map_or("–", |ok| verdict(ok(x)))
            );
        };
    let f = |c| r.fresh(c);
    if let (Some(run), Some(sqlx)) = (f(Contender::SchemaRun), f(Contender::Sqlx)) {
        ratio_row(
            "fresh apply: this project `run` / sqlx",
            run,
            sqlx,
            "≤ 1.0x",
            Some(|x| x <= 1.0),
        );
    }
    if let (Some(run), Some(lower)) = (f(Contender::SchemaRun), f(Contender::LowerPerFile)) {
        ratio_row(
            "fresh apply: this project `run` / lower bound (one tx per file)",
            run,
            lower,
            "≤ 1.15x",
            Some(|x| x <= 1.15),
        );
    }
    if let (Some(sqlx), Some(aon)) = (f(Contender::Sqlx), f(Contender::SchemaAon)) {
        ratio_row(
            "fresh apply: speed-up of `all_or_nothing` over sqlx (sqlx / this project)",
            sqlx,
            aon,
            "≥ 5x at N = 1000",
            (n == 1000).then_some(|x| x >= 5.0),
        );
    }
    if let (Some(aon), Some(lower)) = (f(Contender::SchemaAon), f(Contender::LowerOneTx)) {
        ratio_row(
            "fresh apply: this project `all_or_nothing` / lower bound (one tx for all)",
            aon,
            lower,
            "",
            None,
        );
    }
    if let (Some(sqlx), Some(lower)) = (f(Contender::Sqlx), f(Contender::LowerOneTx)) {
        ratio_row(
            "fresh apply: the most any one-transaction apply can gain over sqlx (sqlx / lower bound, one tx for all)",
            sqlx,
            lower,
            "",
            None,
        );
    }
    if let Some(b) = &r.boots {
        ratio_row(
            "no-op boot, migrator call: this project / sqlx",
            &b.calls.schema,
            &b.calls.sqlx,
            "≤ 0.5x",
            Some(|x| x <= 0.5),
        );
        ratio_row(
            "no-op boot, whole process: this project / sqlx",
            &b.schema.wall,
            &b.sqlx.wall,
            "≤ 0.5x (see notes)",
            Some(|x| x <= 0.5),
        );
        // The child's migrator call beyond what the first query of any process pays (SQLite
        // reading the schema: the connect-only child's call).
        let base = b.none.call.median();
        let beyond = |p: &Phases| p.call.median().saturating_sub(base);
        println!(
            "| no-op boot, child's migrator call beyond SQLite's schema read ({}): this project {} / sqlx {} | **{:.2}x** | | | – |",
            time(base),
            time(beyond(&b.schema)),
            time(beyond(&b.sqlx)),
            ratio(beyond(&b.schema), beyond(&b.sqlx))
        );
        if b.calls.new_connections > 0 {
            println!(
                "| **the timed no-op calls opened {} new connection(s)** | | | | |",
                b.calls.new_connections
            );
        }
    }
    println!(
        "\nLoading the folder at run time, outside the in-process timings: `Migrations::load` {}, \
         sqlx `Migrator::new` {}.\n",
        time(r.schema_load),
        time(r.sqlx_load)
    );
}

/// The no-op paths against a history of `n` applied migrations: the probe that a plain boot
/// stops at, the full validation (`run` with `.target(last)`, which skips the probe, takes the
/// lock, reads every row and checks it against the loaded set), `status`, and sqlx's no-op run
/// (which always reads and checks every row).
async fn validation(root: &Path, args: &Common) -> Result<()> {
    let mut rows = Vec::new();
    for &n in &args.validate {
        eprintln!("[validation N = {n}] generating and applying");
        let dir = root.join(format!("validate-{n}"));
        std::fs::create_dir_all(&dir)?;
        let files = generate::generate_history(n);
        generate::write(&dir, &files)?;
        let loaded = load_all(&dir).await?;
        let last = loaded
            .schema
            .applying()
            .last()
            .map(|m| m.version)
            .ok_or("no migrations")?;
        let db = root.join(format!("validate-{n}.db"));
        let pool = open_pool(&db).await?;
        let started = Instant::now();
        let report = loaded.schema.migrator().all_or_nothing().run(&pool).await?;
        let setup = started.elapsed();
        check(report.applied.len() == n, "setup applied too few")?;
        seed_sqlx_history(&pool, &loaded.sqlx).await?;

        // Each path timed back to back, after a warm-up call.
        let opened_before = connections();
        let probe = timed!(args.boot_runs, {
            let report = loaded.schema.run(&pool).await?;
            check(report.up_to_date_at_boot, "the probe did not stop the run")?;
        });
        let full = timed!(args.boot_runs, {
            let report = loaded.schema.migrator().target(last).run(&pool).await?;
            check(
                report.applied.is_empty() && !report.up_to_date_at_boot,
                "the targeted run did not take the full path",
            )?;
        });
        let status = timed!(args.boot_runs, {
            let entries = loaded.schema.status(&pool).await?;
            check(entries.len() == n, "status listed a wrong count")?;
        });
        let sqlx = timed!(args.boot_runs, loaded.sqlx.run(&pool).await?);
        let opened = connections() - opened_before;
        pool.close().await;
        rows.push(format!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {opened} |",
            time(setup),
            time(loaded.schema_load),
            probe.show(),
            full.show(),
            time(per(full.median(), n)),
            status.show(),
            time(per(status.median(), n)),
            sqlx.show(),
            time(per(sqlx.median(), n)),
        ));
    }
    println!("## SQLite, cost of the no-op paths against a long history\n");
    println!(
        "Histories of N one-statement migrations (a table, then small inserts and updates: the \
         cost of validating a history does not depend on what the files do, and SQLite's DDL \
         gets slower as the schema grows), applied with `all_or_nothing` (setup, timed for \
         information). sqlx's `_sqlx_migrations` is seeded in the same file with the rows its \
         `Migrator::run` would have written (its own `ensure_migrations_table`, its checksums). \
         Median (min–max) of {} calls of each, back to back after a warm-up call, on one open pool; per \
         migration = median / N.\n",
        args.boot_runs
    );
    println!(
        "| N | setup: `all_or_nothing` apply | `Migrations::load` | no-op `run` (probe) | `run` with `.target(last)` (full validation) | per migration | `status` | per migration | sqlx no-op `run` | per migration | connections opened while timing |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
    println!();
    Ok(())
}

/// Writes sqlx's tracking table as `Migrator::run` leaves it after applying `migrator`'s
/// migrations, in one transaction instead of one (plus one update) per migration.
async fn seed_sqlx_history(pool: &SqlitePool, migrator: &Migrator) -> Result<()> {
    let mut conn = pool.acquire().await?;
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
