//! The example application made of modules: an assistant whose core owns the users and
//! conversations, and whose two plugins, calendar and notes, each own a migration set with a
//! table prefix of their own, all in one SQLite file.
//!
//! ```sh
//! cargo run --example assistant -- tour               # activate, list, deactivate, remove
//! cargo run --example assistant                       # boot: the core, then every active plugin
//! cargo run --example assistant -- activate notes     # or deactivate, remove
//! cargo run --example assistant -- modules            # every module and its state
//! cargo run --example assistant -- migrate status --module calendar
//! ```
//!
//! `ASSISTANT_DATABASE=other.db` uses another file than `./assistant.db`.

mod calendar;
mod core;
mod notes;

use schema_cli::clap::{self, Parser};
use schema_runtime::{ModuleInfo, Modules};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "assistant")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Walk through a plugin's life: activate both, use them, list, deactivate notes, remove
    /// the calendar, list again.
    Tour,
    /// Every module in the database with its state.
    Modules,
    /// Activate a plugin: apply its migrations; boots bring it up to date from now on.
    Activate { name: String },
    /// Deactivate a plugin and keep its data.
    Deactivate { name: String },
    /// Deactivate a plugin and remove its data: revert its migrations to zero.
    Remove { name: String },
    /// The `schema` commands over every registered module (`--module NAME` picks one).
    Migrate(schema_cli::Migrate),
}

#[tokio::main]
async fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = std::env::var("ASSISTANT_DATABASE").unwrap_or_else(|_| "assistant.db".to_owned());
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    // Every module linked into this binary registered itself where it is defined.
    let modules = Modules::registered()?;

    if let Some(Command::Migrate(migrate)) = args.command {
        return Ok(schema_cli::run_modules(&modules, &pool, migrate).await);
    }

    // Boot: the core modules by priority, then every plugin the database says is active.
    for (module, report) in modules.boot(&pool).await? {
        for m in &report.applied {
            println!("{module}: applied {} {}", m.version, m.description);
        }
    }
    let user = core::seed(&pool).await?;

    match args.command {
        None | Some(Command::Migrate(_)) => {}
        Some(Command::Modules) => {}
        Some(Command::Activate { name }) => activate(&modules, &pool, &name).await?,
        Some(Command::Deactivate { name }) => {
            modules.deactivate(&pool, &name).await?;
            println!("{name}: deactivated, its data kept");
        }
        Some(Command::Remove { name }) => remove(&modules, &pool, &name).await?,
        Some(Command::Tour) => {
            for name in ["calendar", "notes"] {
                activate(&modules, &pool, name).await?;
            }
            calendar::add_meeting(&pool, user).await?;
            notes::add_page(&pool, user).await?;
            println!(
                "calendar holds {} event(s), notes {} page(s)",
                calendar::count(&pool).await?,
                notes::count(&pool).await?
            );
            list(&modules, &pool).await?;
            modules.deactivate(&pool, "notes").await?;
            println!(
                "\nnotes: deactivated, its {} page(s) kept",
                notes::count(&pool).await?
            );
            remove(&modules, &pool, "calendar").await?;
        }
    }
    list(&modules, &pool).await?;
    Ok(ExitCode::SUCCESS)
}

async fn activate(
    modules: &Modules,
    pool: &SqlitePool,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = modules.activate(pool, name).await?;
    println!(
        "{name}: active, {} migration(s) applied",
        report.applied.len()
    );
    Ok(())
}

async fn remove(
    modules: &Modules,
    pool: &SqlitePool,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = modules.remove(pool, name).await?;
    println!(
        "{name}: removed, {} migration(s) reverted",
        report.reverted.len()
    );
    Ok(())
}

async fn list(modules: &Modules, pool: &SqlitePool) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "\n{:<10} {:<7} {:<7} {:<16} {:<8} last applied",
        "module", "role", "active", "version", "pending"
    );
    for info in modules.info_all(pool).await? {
        let ModuleInfo {
            name,
            role,
            active,
            version,
            pending,
            last_applied,
            ..
        } = info;
        println!(
            "{:<10} {:<7} {:<7} {:<16} {:<8} {}",
            name,
            role.to_string(),
            if active { "yes" } else { "no" },
            version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
            pending,
            last_applied.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}
