//! `schema-bench`: measures this project's migrator against sqlx's and against the same SQL run
//! with no bookkeeping at all, in one process run, and prints one markdown table per size.
//!
//! ```text
//! cargo run --release -p schema-bench -- sqlite --n 100 --n 1000
//! cargo run --release -p schema-bench -- postgres --url postgres://postgres@127.0.0.1:5432/postgres
//! cargo run --release -p schema-bench --features sqlcipher -- sqlcipher --n 100
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run --release -p schema-bench -- test-databases
//! cargo run --release -p schema-bench -- build --migrations 100
//! ```
//!
//! Each database gets its own subcommand with the same [`Common`] options, and the measurements
//! themselves live in `harness`, so that they stay the same whatever the database.

mod buildcost;
#[cfg(feature = "sqlcipher")]
mod encrypted;
mod generate;
mod harness;
mod introspect;
mod large;
mod postgres;
mod report;
mod sqlite;
mod stats;
mod testdb;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Benchmarks schema-runtime against sqlx's migrator and a no-bookkeeping lower bound.
#[derive(Parser)]
#[command(name = "schema-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Benchmarks on SQLite files (default journal mode) in a temporary folder.
    Sqlite(SqliteArgs),
    /// Benchmarks on PostgreSQL: each fresh apply on a database created for it (and dropped
    /// after) on the server of `--url`.
    Postgres(PostgresArgs),
    /// The SQLite fresh apply on an encrypted file (SQLCipher) beside a plain one, and the
    /// cost of opening a connection with a key (cargo feature `sqlcipher`).
    #[cfg(feature = "sqlcipher")]
    Sqlcipher(SqlcipherArgs),
    /// A migrated database per test: `#[schema_runtime::test]` against `#[sqlx::test]`, on the
    /// same generated migrations, with the bare copy as the lower bound.
    TestDatabases(testdb::Args),
    /// Introspection and drift: reading, comparing and verifying a database of `--tables`
    /// tables on SQLite (and PostgreSQL with `--url` or `DATABASE_URL`), with one catalog
    /// query as the lower bound.
    Introspect(introspect::Args),
    /// Build cost: the leaf rebuild after editing one migration, the binary's size and a
    /// run's peak memory, of scratch crates embedding the same migrations with no macro, with
    /// sqlx's `migrate!` and with `embed_migrations!`.
    Build(buildcost::Args),
    /// Runs one tool's migrator once against an up-to-date database and exits: the child
    /// process that the whole-process no-op boot measurement spawns.
    #[command(hide = true)]
    BootOnce(BootOnce),
}

/// The options every database's subcommand shares.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Number of migrations to generate; repeat for several sizes (`--n 100 --n 1000`).
    #[arg(long = "n", value_name = "N", default_values_t = [100, 1000])]
    pub sizes: Vec<usize>,
    /// Fresh applies per contender and size; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// No-op boots per tool (migrator call alone, and whole process); the median is reported.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub boot_runs: u32,
    /// History sizes for the validation-cost table; repeat for several.
    #[arg(long = "validate", value_name = "N", default_values_t = [1000, 5000, 10000])]
    pub validate: Vec<usize>,
    /// Skips the validation-cost table.
    #[arg(long)]
    pub no_validate: bool,
    /// Skips the per-size tables (fresh applies and no-op boots).
    #[arg(long)]
    pub no_fresh: bool,
    /// The fresh-apply contenders to run, comma-separated (default: all). The no-op boot rows
    /// need `schema-run` and `sqlx`.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Contender::ALL)]
    pub contenders: Vec<Contender>,
    /// Sizes in megabytes of the large-file scenario (one migration of single-row inserts);
    /// repeat for several (`--large 1 --large 4 --large 16`). None by default.
    #[arg(long = "large", value_name = "MB")]
    pub large: Vec<usize>,
    /// Seconds after which a contender's apply in the large-file scenario is stopped; it is then
    /// not run at the larger sizes.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub large_timeout: u64,
    /// Keeps the temporary folder (migrations and database files) and prints its path.
    #[arg(long)]
    pub keep: bool,
}

/// Who applies the migrations in a fresh-apply measurement.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// This project, `Migrations::run`: one transaction per file with its tracking rows.
    SchemaRun,
    /// This project, `migrator().all_or_nothing().run`: one transaction for all.
    SchemaAon,
    /// sqlx's `Migrator::run`.
    Sqlx,
    /// The files' SQL and nothing else, each file in its own transaction.
    LowerPerFile,
    /// The files' SQL, each file in its own transaction together with the least tracking any
    /// tool that records in that transaction writes: one row in an applied table and one in a
    /// history table, sent with the file in one call.
    LowerRecorded,
    /// The files' SQL and nothing else, all in one transaction.
    LowerOneTx,
}

impl Contender {
    pub const ALL: [Contender; 6] = [
        Contender::SchemaRun,
        Contender::SchemaAon,
        Contender::Sqlx,
        Contender::LowerPerFile,
        Contender::LowerRecorded,
        Contender::LowerOneTx,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Contender::SchemaRun => "schema-run",
            Contender::SchemaAon => "schema-aon",
            Contender::Sqlx => "sqlx",
            Contender::LowerPerFile => "lower-per-file",
            Contender::LowerRecorded => "lower-recorded",
            Contender::LowerOneTx => "lower-one-tx",
        }
    }
}

impl std::fmt::Display for Contender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[derive(clap::Args, Debug)]
struct SqliteArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    options: sqlite::Options,
}

#[cfg(feature = "sqlcipher")]
#[derive(clap::Args, Debug)]
struct SqlcipherArgs {
    /// Number of migrations to generate; repeat for several sizes.
    #[arg(long = "n", value_name = "N", default_values_t = [100])]
    sizes: Vec<usize>,
    /// Fresh applies per contender, kind of file and size; the median is reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
}

#[derive(clap::Args, Debug)]
struct PostgresArgs {
    #[command(flatten)]
    common: Common,
    /// The server: a URL whose user may `CREATE DATABASE` (its database is only used to
    /// create and drop the benchmark's).
    #[arg(long)]
    url: String,
}

/// The tool a `boot-once` child runs.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// This project: `Migrations::load` then `Migrations::run`.
    Schema,
    /// sqlx: `Migrator::new(Path)` then `Migrator::run`.
    Sqlx,
    /// Connects and runs `SELECT 1`, no migrator: what the process costs without one.
    None,
}

#[derive(clap::Args, Debug)]
struct BootOnce {
    #[arg(long, value_enum)]
    tool: Tool,
    /// The SQLite database file.
    #[arg(long, required_unless_present = "url", conflicts_with = "url")]
    db: Option<PathBuf>,
    /// A PostgreSQL server's URL (instead of `--db`).
    #[arg(long)]
    url: Option<String>,
    /// The PostgreSQL database on the server of `--url`.
    #[arg(long, requires = "url")]
    database: Option<String>,
    /// The migrations folder, read at run time.
    #[arg(long)]
    dir: PathBuf,
    #[command(flatten)]
    options: sqlite::Options,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sqlite(a) => sqlite::bench(&a.common, a.options).await,
        Command::Postgres(a) => postgres::bench(&a.common, &a.url).await,
        #[cfg(feature = "sqlcipher")]
        Command::Sqlcipher(a) => encrypted::bench(&a.sizes, a.runs).await,
        Command::TestDatabases(a) => testdb::bench(&a).await,
        Command::Introspect(a) => introspect::run(a).await,
        Command::Build(a) => buildcost::run(&a),
        Command::BootOnce(b) => match (&b.db, &b.url) {
            (Some(db), _) => sqlite::boot_once(b.tool, db, &b.dir, b.options).await,
            (None, Some(url)) => {
                postgres::boot_once(b.tool, url, b.database.as_deref(), &b.dir).await
            }
            (None, None) => Err("boot-once needs --db or --url".into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("schema-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
