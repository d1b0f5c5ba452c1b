//! A process that migrates a database with one of the fixture sets, for the tests that need
//! real separate processes (concurrent boots and replicas, a migrator killed half-way).
//!
//! `fixture-migrator <sqlite file | postgres:// URL> <fixture set> [lock timeout in ms] [transaction]`
//! `transaction` selects PostgreSQL's transaction lock mode and turns sqlx's statement cache off,
//! as a service behind a transaction-pooling proxy must.
//! Prints `started`, then `adopted <version>` per migration adopted from another tool's history
//! and `applied <version>` per applied migration and exits 0, or prints the error and exits 1. The set is `tests/fixtures/<set>`, loaded at run time with the checks the
//! macro makes at build time.

use schema_runtime::{DbPool, LockMode, Migrations, Modules, Registered};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;
use std::time::Duration;

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(set)) = (args.get(1), args.get(2)) else {
        eprintln!(
            "usage: fixture-migrator <sqlite file | postgres URL> <fixture set> [lock timeout ms]"
        );
        std::process::exit(2);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if set == "modules" {
        return modules(root, db).await;
    }
    let migrations =
        Migrations::load(root, &format!("tests/fixtures/{set}")).unwrap_or_else(|errors| {
            fail(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        });
    let lock_timeout = args
        .get(3)
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(120), Duration::from_millis);

    let transaction_mode = args.get(4).is_some_and(|mode| mode == "transaction");
    let pools = connect(db, transaction_mode).await;
    let pool = pool_of(&pools, db);
    println!("started");
    let mut migrator = migrations.migrator().lock_timeout(lock_timeout);
    if transaction_mode {
        migrator = migrator.lock_mode(LockMode::Transaction);
    }
    match migrator.run(pool).await {
        Ok(report) => {
            for version in report.adopted.iter().flat_map(|a| &a.versions) {
                println!("adopted {version}");
            }
            for m in report.applied {
                println!("applied {}", m.version);
            }
        }
        Err(e) => {
            // The error and each of its sources, so that a test failing on it says why.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            fail(text)
        }
    }
}

/// The pool `connect` opened.
fn pool_of<'p>(
    pools: &'p (Option<sqlx::SqlitePool>, Option<sqlx::PgPool>),
    db: &str,
) -> DbPool<'p> {
    match pools {
        (Some(pool), _) => pool.into(),
        (_, Some(pool)) => pool.into(),
        _ => fail(format!("no database at {db}")),
    }
}

/// A pool of two connections to `db`, on whichever database it names.
async fn connect(
    db: &str,
    transaction_mode: bool,
) -> (Option<sqlx::SqlitePool>, Option<sqlx::PgPool>) {
    if db.starts_with("postgres") {
        let options: PgConnectOptions = db.parse().unwrap_or_else(|e| fail(format!("{db}: {e}")));
        let options = if transaction_mode {
            options.statement_cache_capacity(0)
        } else {
            options
        };
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| fail(format!("connecting to {db}: {e}")));
        (None, Some(pool))
    } else {
        let options = SqliteConnectOptions::new()
            .filename(db)
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(30));
        // The encrypted suite (`tests/sqlcipher`) boots encrypted files with this passphrase.
        #[cfg(feature = "sqlcipher")]
        let options = match std::env::var("SCHEMA_TEST_SQLITE_PASSPHRASE") {
            Ok(passphrase) => {
                let key = schema_runtime::sqlcipher::Key::passphrase(&passphrase)
                    .unwrap_or_else(|e| fail(e.to_string()));
                schema_runtime::sqlcipher::Encryption::new(key).apply(options)
            }
            Err(_) => options,
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| fail(format!("connecting to {db}: {e}")));
        (Some(pool), None)
    }
}

/// `modules`: boots the `modules_*` fixture sets (two core modules and two plugins) as an
/// application does, then activates both plugins; prints `applied <module> <version>` for each
/// migration this process applied.
async fn modules(root: &Path, db: &str) {
    let load = |dir: &str, module: &str| {
        Migrations::load(root, &format!("tests/fixtures/{dir}"))
            .unwrap_or_else(|errors| fail(format!("{errors:?}")))
            .with_module(module)
    };
    let modules = Modules::from_sets([
        Registered::core(load("modules_core", "core"), 1),
        Registered::core(load("modules_auth", "auth"), 2),
        Registered::plugin(load("modules_calendar", "calendar")),
        Registered::plugin(load("modules_notes", "notes")),
    ])
    .unwrap_or_else(|e| fail(e.to_string()))
    .lock_timeout(Duration::from_secs(120));
    let pools = connect(db, false).await;
    let pool = pool_of(&pools, db);
    println!("started");
    let mut reports = modules
        .boot(pool)
        .await
        .unwrap_or_else(|e| fail(e.to_string()));
    for plugin in ["calendar", "notes"] {
        let report = modules
            .activate(pool, plugin)
            .await
            .unwrap_or_else(|e| fail(e.to_string()));
        reports.push((plugin, report));
    }
    for (module, report) in reports {
        for m in report.applied {
            println!("applied {module} {}", m.version);
        }
    }
}
