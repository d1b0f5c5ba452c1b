//! What every database's benchmark shares: loading the folder, the timed applies, the rounds of
//! fresh applies, the no-op boots (in process, and the `boot-once` child), the validation of a
//! long history, and the tables. A database module supplies a [`BenchPool`] and its own setup.

use crate::generate::Mix;
use crate::stats::{per, time, Samples};
use crate::{Contender, Tool};
use schema_runtime::{Migrations, Report};
use sqlx::migrate::Migrator;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn check(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(what.into())
    }
}

/// Times `$body` `$runs` times after one untimed warm-up run, back to back.
macro_rules! timed {
    ($runs:expr, $body:expr) => {{
        let mut samples = $crate::stats::Samples::default();
        for i in 0..=$runs {
            let started = std::time::Instant::now();
            $body;
            let elapsed = started.elapsed();
            if i > 0 {
                samples.push(elapsed);
            }
        }
        samples
    }};
}
pub(crate) use timed;

/// What the shared measurements do with a database's pool; each is what the tool or the lower
/// bound does, so that the pool type is the only difference between databases.
pub(crate) trait BenchPool {
    /// This project's run with `migrator`'s options.
    async fn schema_run(&self, migrator: schema_runtime::Migrator<'_>) -> Result<Report>;
    /// This project's `status`; returns the number of entries.
    async fn status_len(&self, migrations: &Migrations) -> Result<usize>;
    /// sqlx's `Migrator::run`.
    async fn sqlx_run(&self, migrator: &Migrator) -> Result<()>;
    /// The successful rows in `_sqlx_migrations` with their execution time recorded.
    async fn sqlx_recorded(&self) -> Result<i64>;
    /// Writes `_sqlx_migrations` as `Migrator::run` leaves it after applying `migrator`'s
    /// migrations, in one transaction instead of one (plus one update) per migration.
    async fn seed_sqlx_history(&self, migrator: &Migrator) -> Result<()>;
    /// The files' SQL with no bookkeeping on one pooled connection: each file in its own
    /// transaction, or all in one.
    async fn lower_bound(&self, sql: &[String], one_tx: bool) -> Result<()>;
    /// [`lower_recorded_on`] this pool.
    async fn lower_recorded(&self, sql: &[String]) -> Result<()>;
    /// This project's probe query alone, through the pool, as the probe sends it.
    async fn probe_query(&self) -> Result<()>;
    /// The first query of a process without a migrator (the `none` child).
    async fn first_query(&self) -> Result<()>;
    /// `runs` timed `SELECT 1` on a connection held out of the pool, after a warm-up.
    async fn round_trips(&self, runs: u32) -> Result<Samples>;
    /// The user objects (tables, indexes, views), tracking tables left out: every contender
    /// must end with the same number.
    async fn object_count(&self) -> Result<i64>;
    /// The number of rows in `table` (a name the benchmark generated).
    async fn row_count(&self, table: &str) -> Result<i64>;
    /// Opens the pool's connections up to its maximum, so that timed calls back to back never
    /// open one (sqlx returns a connection to its pool in a task of its own, after the call, so
    /// a call right after another may find none idle); returns how many. The pool hands its
    /// idle connections out in turn: as many warm-up calls warm each up.
    async fn fill(&self) -> Result<u32>;
    async fn close_pool(&self);
}

/// [`BenchPool::fill`] on any sqlx pool.
pub async fn fill_pool<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Result<u32> {
    let max = pool.options().get_max_connections();
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(pool.acquire().await?);
    }
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(max)
}

/// `Migrations::load` on a folder given as one path.
pub fn load_schema(dir: &Path) -> Result<Migrations> {
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
pub struct Loaded {
    pub schema: Migrations,
    pub sqlx: Migrator,
    /// The files' SQL, for the lower bound.
    pub sql: Vec<String>,
    pub schema_load: Duration,
    pub sqlx_load: Duration,
}

pub async fn load_all(dir: &Path) -> Result<Loaded> {
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

/// Applies every migration with `contender` on a fresh database's open pool; returns the time
/// of the apply alone (checking what it recorded happens after the timing).
pub async fn apply<P: BenchPool>(
    contender: Contender,
    pool: &P,
    loaded: &Loaded,
) -> Result<Duration> {
    let n = loaded.sql.len();
    let started = Instant::now();
    match contender {
        Contender::SchemaRun | Contender::SchemaAon => {
            let migrator = loaded.schema.migrator();
            let aon = contender == Contender::SchemaAon;
            let report = if aon {
                pool.schema_run(migrator.all_or_nothing()).await?
            } else {
                pool.schema_run(migrator).await?
            };
            let elapsed = started.elapsed();
            check(report.applied.len() == n, "this project applied too few")?;
            Ok(elapsed)
        }
        Contender::Sqlx => {
            pool.sqlx_run(&loaded.sqlx).await?;
            let elapsed = started.elapsed();
            check(
                pool.sqlx_recorded().await? == n as i64,
                "sqlx recorded too few",
            )?;
            Ok(elapsed)
        }
        Contender::LowerPerFile | Contender::LowerOneTx => {
            let one_tx = contender == Contender::LowerOneTx;
            pool.lower_bound(&loaded.sql, one_tx).await?;
            Ok(started.elapsed())
        }
        Contender::LowerRecorded => {
            pool.lower_recorded(&loaded.sql).await?;
            Ok(started.elapsed())
        }
    }
}

impl Contender {
    /// The contender's fresh-apply row.
    pub fn label(self) -> &'static str {
        match self {
            Contender::SchemaRun => "fresh apply, this project `run` (one tx per file)",
            Contender::SchemaAon => "fresh apply, this project `all_or_nothing` (one tx)",
            Contender::Sqlx => "fresh apply, sqlx `Migrator::run`",
            Contender::LowerPerFile => "fresh apply, lower bound, one tx per file",
            Contender::LowerRecorded => {
                "fresh apply, lower bound + a tracking row per file in its tx, the events in the last (one call per file)"
            }
            Contender::LowerOneTx => "fresh apply, lower bound, one tx for all",
        }
    }
}

/// The lower bound on any sqlx pool: the files' SQL with no bookkeeping on one pooled
/// connection, each file in its own transaction, or all in one.
pub async fn lower_bound_on<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    sql: &[String],
    one_tx: bool,
) -> Result<()>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    use sqlx::Connection;
    let mut conn = pool.acquire().await?;
    if one_tx {
        let mut tx = conn.begin().await?;
        for sql in sql {
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    } else {
        for sql in sql {
            let mut tx = conn.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// The floor of recording in each migration's own transaction: per file one call of `BEGIN`,
/// the file, one row into an applied table, and `COMMIT`; the last file's call also copies
/// every row into a history table as its event (the two tables the issue asks to keep: no tool
/// that keeps both and records each migration with it can write less). The two tables are
/// created in the first file's call. Values are literals: no timing, no checksums, no checks.
pub async fn lower_recorded_on<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    sql: &[String],
) -> Result<()>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    use sqlx::Executor;
    let mut conn = pool.acquire().await?;
    let last = sql.len().saturating_sub(1);
    for (version, sql) in sql.iter().enumerate() {
        let create = if version == 0 {
            "CREATE TABLE _floor_applied (version BIGINT PRIMARY KEY, checksum TEXT NOT NULL);\n\
             CREATE TABLE _floor_events (version BIGINT NOT NULL, event TEXT NOT NULL);\n"
        } else {
            ""
        };
        let events = if version == last {
            "INSERT INTO _floor_events (version, event) SELECT version, 'apply' FROM _floor_applied ORDER BY version;\n"
        } else {
            ""
        };
        let text = format!(
            "BEGIN;\n{create}{sql}\n;\n\
             INSERT INTO _floor_applied (version, checksum) VALUES ({version}, '{:064x}');\n\
             {events}COMMIT;",
            version
        );
        (&mut *conn).execute(sqlx::raw_sql(&text)).await?;
    }
    Ok(())
}

/// The selected contenders, in their canonical order.
pub fn contenders(selected: &[Contender]) -> Vec<Contender> {
    Contender::ALL
        .into_iter()
        .filter(|c| selected.contains(c))
        .collect()
}

/// `runs` rounds of fresh applies, the contenders in a rotating order so that drift spreads
/// over all. `fresh(contender, run)` applies on a new database and returns the time and the
/// objects it left, which must be the same for every contender.
pub async fn fresh_rounds(
    contenders: &[Contender],
    runs: u32,
    mut fresh: impl AsyncFnMut(Contender, usize) -> Result<(Duration, i64)>,
) -> Result<(Vec<(Contender, Samples)>, i64)> {
    let mut samples: Vec<(Contender, Samples)> = contenders
        .iter()
        .map(|c| (*c, Samples::default()))
        .collect();
    let mut objects: Option<i64> = None;
    for run in 0..runs as usize {
        for k in 0..contenders.len() {
            let c = contenders[(k + run) % contenders.len()];
            let (elapsed, count) = fresh(c, run).await?;
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
            if let Some((_, s)) = samples.iter_mut().find(|(k, _)| *k == c) {
                s.push(elapsed);
            }
        }
    }
    Ok((samples, objects.unwrap_or_default()))
}

/// What the `boot-once` child reports of its own phases, besides the wall time the parent
/// measures around it.
#[derive(Default)]
pub struct Phases {
    pub wall: Samples,
    pub load: Samples,
    pub connect: Samples,
    pub call: Samples,
    pub close: Samples,
}

impl Phases {
    /// The process outside the four phases: start, runtime, exit.
    pub fn rest(&self) -> Duration {
        let inside =
            self.load.median() + self.connect.median() + self.call.median() + self.close.median();
        self.wall.median().saturating_sub(inside)
    }
}

/// The no-op calls of one size, each timed back to back on its own open pool.
pub struct Calls {
    pub schema: Samples,
    pub sqlx: Samples,
    /// The probe's one query alone, through the pool: the floor of any migrator call.
    pub one_query: Samples,
    /// One `SELECT 1` on a connection held out of the pool.
    pub round_trip: Samples,
    /// Connections the timed calls opened (0 when they all reused open ones).
    pub new_connections: usize,
}

/// The migrator call alone on an open pool, with nothing to apply: warm-up calls on every
/// connection of the pool (opened, statements prepared), then `runs` timed calls. `connections` counts the
/// connections the process has opened.
pub async fn noop_calls<P: BenchPool>(
    schema_pool: &P,
    sqlx_pool: &P,
    loaded: &Loaded,
    runs: u32,
    connections: impl Fn() -> usize,
) -> Result<Calls> {
    // Warm every connection of both pools up before counting connections.
    for _ in 0..schema_pool.fill().await? {
        schema_pool.schema_run(loaded.schema.migrator()).await?;
    }
    for _ in 0..sqlx_pool.fill().await? {
        sqlx_pool.sqlx_run(&loaded.sqlx).await?;
    }
    let opened_before = connections();
    let schema = timed!(runs, {
        let report = schema_pool.schema_run(loaded.schema.migrator()).await?;
        check(
            report.applied.is_empty() && report.up_to_date_at_boot,
            "schema no-op boot was not a no-op",
        )?;
    });
    let sqlx = timed!(runs, sqlx_pool.sqlx_run(&loaded.sqlx).await?);
    let new_connections = connections() - opened_before;
    let one_query = timed!(runs, schema_pool.probe_query().await?);
    let round_trip = schema_pool.round_trips(runs).await?;
    Ok(Calls {
        schema,
        sqlx,
        one_query,
        round_trip,
        new_connections,
    })
}

/// The whole process: this binary's hidden `boot-once` subcommand, spawned with each of
/// `tools`' arguments (this project, sqlx, no migrator) and waited for, `runs` times per tool
/// after one untimed round, the tools taking turns.
pub fn noop_processes(tools: &[Vec<OsString>; 3], runs: u32) -> Result<[Phases; 3]> {
    let exe = std::env::current_exe()?;
    let mut out = [Phases::default(), Phases::default(), Phases::default()];
    for i in 0..=runs {
        for (k, args) in tools.iter().enumerate() {
            let started = Instant::now();
            let output = Command::new(&exe)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()?;
            let elapsed = started.elapsed();
            if !output.status.success() {
                return Err(format!(
                    "{} failed: {}",
                    args.join(" ".as_ref()).to_string_lossy(),
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

/// The child of [`noop_processes`]: reads the folder, connects, runs the migrator (for `none`,
/// the first query of any process), closes the pool, and prints how long each phase took, in
/// nanoseconds.
pub async fn boot_once<P: BenchPool>(
    tool: Tool,
    dir: &Path,
    connect: impl AsyncFnOnce() -> Result<P>,
) -> Result<()> {
    let nanos = |d: Duration| d.as_nanos() as u64;
    let started = Instant::now();
    let (schema, sqlx) = match tool {
        Tool::Schema => (Some(load_schema(dir)?), None),
        Tool::Sqlx => (None, Some(Migrator::new(dir).await?)),
        Tool::None => (None, None),
    };
    let load = started.elapsed();
    let started = Instant::now();
    let pool = connect().await?;
    let connect = started.elapsed();
    let started = Instant::now();
    if let Some(migrations) = schema {
        let report = pool.schema_run(migrations.migrator()).await?;
        check(report.applied.is_empty(), "boot-once applied migrations")?;
    } else if let Some(migrator) = sqlx {
        pool.sqlx_run(&migrator).await?;
    } else {
        pool.first_query().await?;
    }
    let call = started.elapsed();
    let started = Instant::now();
    pool.close_pool().await;
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

/// The no-op boot measurements of one size.
pub struct Boots {
    pub calls: Calls,
    pub schema: Phases,
    pub sqlx: Phases,
    pub none: Phases,
}

/// Everything measured for one size.
pub struct SizeResult {
    pub n: usize,
    pub mix: Mix,
    pub objects: i64,
    pub fresh: Vec<(Contender, Samples)>,
    pub boots: Option<Boots>,
    pub schema_load: Duration,
    pub sqlx_load: Duration,
}

impl SizeResult {
    pub fn fresh(&self, c: Contender) -> Option<&Samples> {
        self.fresh.iter().find(|(k, _)| *k == c).map(|(_, s)| s)
    }
}

/// The no-op paths against a history of `n` applied migrations (applied here with
/// `all_or_nothing`, timed for information): the probe that a plain boot stops at, the full
/// validation (`run` with `.target(last)`, which skips the probe, takes the lock, reads every
/// row and checks it against the loaded set), `status`, and sqlx's no-op run (which always
/// reads and checks every row). Returns the table's row.
pub async fn validation_row<P: BenchPool>(
    pool: &P,
    loaded: &Loaded,
    runs: u32,
    connections: impl Fn() -> usize,
) -> Result<String> {
    let n = loaded.sql.len();
    let last = loaded
        .schema
        .applying()
        .last()
        .map(|m| m.version)
        .ok_or("no migrations")?;
    let started = Instant::now();
    let report = pool
        .schema_run(loaded.schema.migrator().all_or_nothing())
        .await?;
    let setup = started.elapsed();
    check(report.applied.len() == n, "setup applied too few")?;
    pool.seed_sqlx_history(&loaded.sqlx).await?;
    for _ in 0..pool.fill().await? {
        pool.schema_run(loaded.schema.migrator()).await?;
        pool.status_len(&loaded.schema).await?;
        pool.sqlx_run(&loaded.sqlx).await?;
    }

    // Each path timed back to back, after a warm-up call.
    let opened_before = connections();
    let probe = timed!(runs, {
        let report = pool.schema_run(loaded.schema.migrator()).await?;
        check(report.up_to_date_at_boot, "the probe did not stop the run")?;
    });
    let full = timed!(runs, {
        let report = pool
            .schema_run(loaded.schema.migrator().target(last))
            .await?;
        check(
            report.applied.is_empty() && !report.up_to_date_at_boot,
            "the targeted run did not take the full path",
        )?;
    });
    let status = timed!(runs, {
        let entries = pool.status_len(&loaded.schema).await?;
        check(entries == n, "status listed a wrong count")?;
    });
    let sqlx = timed!(runs, pool.sqlx_run(&loaded.sqlx).await?);
    let opened = connections() - opened_before;
    Ok(format!(
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
    ))
}
