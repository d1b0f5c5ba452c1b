//! A process that migrates an SQLite file with one of the fixture sets, for the tests that
//! need real separate processes (concurrent boots, a migrator killed half-way).
//!
//! `fixture-migrator <database file> <fixture set> [lock timeout in ms]`
//! Prints `applied <version>` per applied migration and exits 0, or prints the error and
//! exits 1.

use schema_runtime::Migrations;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::time::Duration;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static MANY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/many");
static LONG: Migrations = schema_runtime::embed_migrations!("tests/fixtures/long");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(set)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: fixture-migrator <database file> <basic|many|long> [lock timeout ms]");
        std::process::exit(2);
    };
    let migrations = match set.as_str() {
        "basic" => &BASIC,
        "many" => &MANY,
        "long" => &LONG,
        other => {
            eprintln!("unknown fixture set `{other}`");
            std::process::exit(2);
        }
    };
    let lock_timeout = args
        .get(3)
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(60), Duration::from_millis);
    let options = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(true)
        .busy_timeout(Duration::from_secs(30));
    let pool = match SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: connecting to {db}: {e}");
            std::process::exit(1);
        }
    };
    println!("started");
    match migrations
        .migrator()
        .lock_timeout(lock_timeout)
        .run(&pool)
        .await
    {
        Ok(report) => {
            for m in report.applied {
                println!("applied {}", m.version);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
