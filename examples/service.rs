//! The example service: migrates its SQLite database on boot, prints where every migration
//! stands, and reads the migrated schema.
//!
//! It also mounts the `schema` commands over its embedded migrations:
//!
//! ```sh
//! cargo run --example service                         # uses ./service.db
//! SERVICE_DATABASE=/tmp/other.db cargo run --example service
//! cargo run --example service -- migrate status       # or up, down, verify, history, ...
//! ```

use schema_cli::clap::{self, Parser};
use schema_runtime::Migrations;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::process::ExitCode;
use std::time::Duration;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations");

/// The example service: with no command, migrates its database, then serves.
#[derive(Parser)]
#[command(name = "service")]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Apply, inspect and revert the service database's migrations.
    Migrate(schema_cli::Migrate),
}

#[tokio::main]
async fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args = Args::parse();
    let path = std::env::var("SERVICE_DATABASE").unwrap_or_else(|_| "service.db".to_owned());
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

    if let Some(Command::Migrate(migrate)) = args.command {
        return Ok(schema_cli::run_embedded(&MIGRATIONS, &pool, migrate).await);
    }

    let report = MIGRATIONS.run(&pool).await?;
    if report.is_noop() {
        println!(
            "{path}: up to date ({} migrations applied)",
            report.already_applied
        );
    } else {
        for m in &report.applied {
            println!(
                "{path}: applied {} {} in {:?}",
                m.version, m.description, m.duration
            );
        }
    }

    println!(
        "\n{:<16} {:<9} {:<26} description",
        "version", "state", "applied at"
    );
    for entry in MIGRATIONS.status(&pool).await? {
        println!(
            "{:<16} {:<9} {:<26} {}",
            entry.version,
            entry.state,
            entry.applied_at.as_deref().unwrap_or("-"),
            entry.description
        );
    }

    // One real query on the migrated schema: make sure a demo project exists, then read the
    // dashboard view the migrations created.
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO accounts (email, display_name) VALUES ('ada@example.com', 'Ada') ON CONFLICT DO NOTHING")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO projects (owner_id, name) SELECT id, 'Engine' FROM accounts WHERE email = 'ada@example.com'
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO tasks (project_id, title, priority) SELECT id, 'Write the first program', 1 FROM projects WHERE name = 'Engine'
         AND NOT EXISTS (SELECT 1 FROM tasks WHERE title = 'Write the first program')",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let open: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT title, priority, project FROM open_tasks ORDER BY priority, id")
            .fetch_all(&pool)
            .await?;
    println!("\nopen tasks:");
    for (title, priority, project) in open {
        println!("  [{priority}] {title} ({project})");
    }
    Ok(ExitCode::SUCCESS)
}
