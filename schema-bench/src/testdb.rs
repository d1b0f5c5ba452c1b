//! `schema-bench test-databases`: a migrated database per test. `#[schema_runtime::test]`'s
//! machinery (`schema_runtime::testing::__run`, what the attribute expands to) against
//! `#[sqlx::test]`'s (`sqlx::testing::TestFn::run_test` with `TestArgs`, what that attribute
//! expands to) on the same generated migrations, with the bare copy beside them as the lower
//! bound: SQLite's backup API, PostgreSQL's `CREATE DATABASE … TEMPLATE …`.
//!
//! Each test runs on a thread of its own, one after another, as libtest runs them with
//! `--test-threads=1`; each test's body marks when it starts (the setup's end) and checks that
//! every migration is recorded.

use crate::generate::{self, Dialect};
use crate::harness::{check, Result};
use crate::stats::{ratio, time, Samples};
use schema_runtime::testing::{self, TestOptions, TestPool};
use schema_runtime::Migrations;
use sqlx::migrate::Migrator;
use sqlx::testing::{TestArgs, TestFn};
use sqlx::{PgPool, SqlitePool};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod bare;

/// The options of `schema-bench test-databases`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of migrations to generate; repeat for several sizes.
    #[arg(long = "n", value_name = "N", default_values_t = [50, 300])]
    sizes: Vec<usize>,
    /// Tests per contender and size.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..))]
    tests: u32,
    /// The databases to measure, comma-separated. PostgreSQL's server is `DATABASE_URL`'s
    /// (both attributes read it), whose role may create databases.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Database::Sqlite, Database::Postgres])]
    databases: Vec<Database>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Database {
    Sqlite,
    Postgres,
}

/// When the running test's body started.
static BODY_STARTED: Mutex<Option<Instant>> = Mutex::new(None);
/// The migrations each test's database must have recorded.
static EXPECTED: AtomicI64 = AtomicI64::new(0);

/// What each test's body does: marks its start, then checks that every migration is recorded.
macro_rules! body {
    ($name:ident, $pool:ty, $table:literal) => {
        async fn $name(pool: $pool) {
            *lock() = Some(Instant::now());
            let recorded: i64 = sqlx::query_scalar(concat!("SELECT count(*) FROM ", $table))
                .fetch_one(&pool)
                .await
                .expect("the test's query");
            assert_eq!(recorded, EXPECTED.load(Ordering::Relaxed));
        }
    };
}

body!(sqlx_sqlite, SqlitePool, "_sqlx_migrations");
body!(sqlx_postgres, PgPool, "_sqlx_migrations");
body!(schema_sqlite, SqlitePool, "_schema_migrations");
body!(schema_postgres, PgPool, "_schema_migrations");

fn lock() -> std::sync::MutexGuard<'static, Option<Instant>> {
    BODY_STARTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The times of one contender's tests.
#[derive(Default)]
struct Run {
    /// From the test's start to its body's.
    setup: Samples,
    /// The whole test, its database dropped.
    whole: Samples,
    first_setup: Duration,
    total: Duration,
}

impl Run {
    /// The setup's median, the first test (which may build a template) left out.
    fn setup_median(&self) -> Duration {
        self.setup.median()
    }
}

/// Runs `tests` tests one after another, each on a thread of its own; `test(i)` is the
/// test, as its attribute's expansion runs it.
fn run_tests(tests: u32, test: impl Fn(u32) + Sync) -> Result<Run> {
    let mut run = Run::default();
    let started_all = Instant::now();
    for i in 0..tests {
        *lock() = None;
        let started = Instant::now();
        std::thread::scope(|scope| scope.spawn(|| test(i)).join())
            .map_err(|_| format!("test {i} panicked"))?;
        let whole = started.elapsed();
        let body = lock().take().ok_or("the test's body did not run")?;
        let setup = body.duration_since(started);
        if i == 0 {
            run.first_setup = setup;
        } else {
            run.setup.push(setup);
        }
        run.whole.push(whole);
    }
    run.total = started_all.elapsed();
    Ok(run)
}

/// `#[schema_runtime::test]`'s run of one test.
fn ours<P: TestPool + 'static>(options: &TestOptions, check: fn(P) -> BoxFuture) {
    testing::__run(options.clone(), check)
}

type BoxFuture = std::pin::Pin<Box<dyn Future<Output = ()>>>;

fn our_sqlite(pool: SqlitePool) -> BoxFuture {
    Box::pin(schema_sqlite(pool))
}

fn our_postgres(pool: PgPool) -> BoxFuture {
    Box::pin(schema_postgres(pool))
}

/// `#[sqlx::test(migrations = …)]`'s run of test `path`.
fn theirs<F: TestFn>(migrator: &'static Migrator, path: String, f: F) -> F::Output {
    let mut args = TestArgs::new(Box::leak(path.into_boxed_str()));
    args.migrator(migrator);
    f.run_test(args)
}

/// One size's generated folder, as each tool loads it.
struct Folder {
    schema: Migrations,
    sqlx: &'static Migrator,
    sql: Vec<String>,
}

async fn folder(root: &Path, n: usize, dialect: Dialect) -> Result<Folder> {
    let name = format!("migrations_{n}");
    let dir = root.join(&name);
    std::fs::create_dir_all(&dir)?;
    let (files, _) = generate::generate(n, dialect);
    generate::write(&dir, &files)?;
    let schema = Migrations::load(root, &name).map_err(|e| format!("{e:?}"))?;
    let sqlx: &'static Migrator = Box::leak(Box::new(Migrator::new(dir.as_path()).await?));
    let sql: Vec<String> = schema.applying().map(|m| m.sql.to_owned()).collect();
    check(sql.len() == n, "the folder has a wrong count")?;
    Ok(Folder { schema, sqlx, sql })
}

pub async fn bench(args: &Args) -> Result<()> {
    let root = tempfile::tempdir()?;
    // sqlx's SQLite tests make their files under `target/sqlx/test-dbs` of the current folder.
    std::env::set_current_dir(root.path())?;
    println!("# A migrated database per test\n");
    println!(
        "{} tests per contender, one after another, each on a thread of its own. Setup: from the \
         test's start to its body's (the first test, which may build a template, shown apart). \
         Whole test: with its database dropped.\n",
        args.tests
    );
    for database in &args.databases {
        for &n in &args.sizes {
            match database {
                Database::Sqlite => sqlite(root.path(), n, args.tests).await?,
                Database::Postgres => postgres(root.path(), n, args.tests).await?,
            }
        }
    }
    Ok(())
}

async fn sqlite(root: &Path, n: usize, tests: u32) -> Result<()> {
    let folder = folder(&root.join("sqlite"), n, Dialect::Sqlite).await?;
    EXPECTED.store(n as i64, Ordering::Relaxed);
    eprintln!("SQLite, N = {n}: sqlx");
    let sqlx = run_tests(tests, |i| {
        let f: fn(SqlitePool) -> _ = sqlx_sqlite;
        theirs(folder.sqlx, format!("bench_{n}::sqlite_{i}"), f)
    })?;
    eprintln!("SQLite, N = {n}: this project");
    let options = TestOptions::new(&folder.schema);
    let memory = run_tests(tests, |_| ours(&options, our_sqlite))?;
    let file_options = TestOptions::new(&folder.schema).in_file();
    let file = run_tests(tests, |_| ours(&file_options, our_sqlite))?;
    let bare = bare::sqlite(&folder.sql, tests)?;
    println!("## SQLite, N = {n}\n");
    table_head();
    row(
        "`#[sqlx::test]` (sqlx's `TestFn::run_test`: a file, every migration applied)",
        &sqlx,
        &sqlx,
    );
    row(
        "`#[schema_runtime::test]`, in memory (backup of the template)",
        &memory,
        &sqlx,
    );
    row(
        "`#[schema_runtime::test(file = true)]`, a temporary file",
        &file,
        &sqlx,
    );
    bare_row(
        "lower bound: the backup API alone, template to a new in-memory database",
        &bare,
        &sqlx,
    );
    println!();
    Ok(())
}

async fn postgres(root: &Path, n: usize, tests: u32) -> Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to the server (both attributes read it)")?;
    let folder = folder(&root.join("postgres"), n, Dialect::Postgres).await?;
    EXPECTED.store(n as i64, Ordering::Relaxed);
    eprintln!("PostgreSQL, N = {n}: sqlx");
    let sqlx = run_tests(tests, |i| {
        let f: fn(PgPool) -> _ = sqlx_postgres;
        theirs(folder.sqlx, format!("bench_{n}::postgres_{i}"), f)
    })?;
    // A folder of its own each run, so that the template is built in the run (cold).
    eprintln!("PostgreSQL, N = {n}: this project, no ready copies");
    let copying = TestOptions::new(&folder.schema).spares(0);
    let copies = run_tests(tests, |_| ours(&copying, our_postgres))?;
    let cold_folder = folder_again(root, n).await?;
    eprintln!("PostgreSQL, N = {n}: this project, cold");
    let options = TestOptions::new(&cold_folder);
    let cold = run_tests(tests, |_| ours(&options, our_postgres))?;
    eprintln!("PostgreSQL, N = {n}: this project, the next run");
    let warm = run_tests(tests, |_| ours(&options, our_postgres))?;
    let template = template_name(&options).await?;
    let wal_log = bare::postgres(&url, &template, " STRATEGY = WAL_LOG", tests).await?;
    let file_copy = bare::postgres(&url, &template, " STRATEGY = FILE_COPY", tests).await?;
    bare::drop_template(&url, &template).await?;
    bare::drop_template(&url, &template_name(&copying).await?).await?;

    println!("## PostgreSQL, N = {n}\n");
    table_head();
    row(
        "`#[sqlx::test]` (sqlx's `TestFn::run_test`: `CREATE DATABASE`, every migration applied)",
        &sqlx,
        &sqlx,
    );
    row(
        "`#[schema_runtime::test]`, a copy per test (`spares = 0`)",
        &copies,
        &sqlx,
    );
    row("`#[schema_runtime::test]`, cold: template built by the first test, copies made ready from then on", &cold, &sqlx);
    row("`#[schema_runtime::test]`, the next run: the template and the ready copies the last run left", &warm, &sqlx);
    bare_row(
        "lower bound: `CREATE DATABASE … TEMPLATE … STRATEGY = WAL_LOG` alone (then dropped)",
        &wal_log,
        &sqlx,
    );
    bare_row(
        "lower bound: `CREATE DATABASE … TEMPLATE … STRATEGY = FILE_COPY` alone (then dropped)",
        &file_copy,
        &sqlx,
    );
    println!();
    Ok(())
}

/// The PostgreSQL folder again under another name: a template of its own, not built yet.
async fn folder_again(root: &Path, n: usize) -> Result<Migrations> {
    Ok(folder(&root.join("postgres-cold"), n, Dialect::Postgres)
        .await?
        .schema)
}

/// The template `options` copy from, as a test database names it.
async fn template_name(options: &TestOptions) -> Result<String> {
    let db = options.clone().spares(0).postgres().await?;
    let name = db.template().to_owned();
    db.close().await?;
    Ok(name)
}

fn table_head() {
    println!("| contender | setup per test | first test's setup | whole test | all tests | all tests: sqlx / this | setup: sqlx / this |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
}

fn row(what: &str, run: &Run, sqlx: &Run) {
    println!(
        "| {what} | {} | {} | {} | {} | **{:.1}x** | **{:.1}x** |",
        run.setup.show(),
        time(run.first_setup),
        time(run.whole.median()),
        time(run.total),
        ratio(sqlx.total, run.total),
        ratio(sqlx.setup_median(), run.setup_median()),
    );
}

/// A lower bound's row: each copy's time as the setup, copy and drop as the whole test.
fn bare_row(what: &str, bare: &bare::Bare, sqlx: &Run) {
    println!(
        "| {what} | {} | | {} | {} | **{:.1}x** | **{:.1}x** |",
        bare.copy.show(),
        time(bare.whole.median()),
        time(bare.total),
        ratio(sqlx.total, bare.total),
        ratio(sqlx.setup_median(), bare.copy.median()),
    );
}
