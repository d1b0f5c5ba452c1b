//! The commands mounted in an application over an embedded set (`myapp migrate status`),
//! in process: the application's own clap types, through the re-exported clap.

use crate::support::fixture_dir;
use schema_cli::clap::{self, Parser};
use schema_runtime::{DbPool, Migrations};
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "myapp")]
struct App {
    #[command(subcommand)]
    command: Option<AppCommand>,
}

#[derive(Debug, clap::Subcommand)]
enum AppCommand {
    /// The migration commands.
    Migrate(schema_cli::Migrate),
}

fn migrate(args: &[&str]) -> schema_cli::Migrate {
    let app = App::try_parse_from(["myapp", "migrate"].iter().chain(args)).unwrap();
    let Some(AppCommand::Migrate(migrate)) = app.command else {
        panic!("`migrate` parsed as {app:?}")
    };
    migrate
}

#[tokio::test]
async fn mounted_commands_run_over_the_applications_set() {
    let dir = tempfile::tempdir().unwrap();
    let pool = crate::support::sqlite_pool(dir.path()).await;
    over_the_applications_set((&pool).into(), None).await;
    pool.close().await;
}

#[test]
fn pg_mounted_commands_run_over_the_applications_set() {
    let project = crate::postgres::pg_project(None);
    crate::support::block_on(async {
        let pool = sqlx::PgPool::connect(&project.url).await.unwrap();
        let server = crate::postgres::server_url();
        over_the_applications_set((&pool).into(), Some(&server)).await;
        pool.close().await;
    });
}

/// `args`, then `--dev-url` on PostgreSQL, whose comparisons need a server for their scratch
/// database.
fn with_dev<'a>(args: &[&'a str], dev_url: Option<&'a str>) -> Vec<&'a str> {
    let mut args = args.to_vec();
    if let Some(url) = dev_url {
        args.extend(["--dev-url", url]);
    }
    args
}

/// The `basic` set mounted as an application mounts its embedded set, on `pool`.
async fn over_the_applications_set(pool: DbPool<'_>, dev_url: Option<&str>) {
    let root = fixture_dir("basic");
    let set = Migrations::load(root.parent().unwrap(), "basic").unwrap_or_else(|e| panic!("{e:?}"));

    let status = schema_cli::run_embedded(&set, pool, migrate(&["status", "--quiet"])).await;
    assert_eq!(status, ExitCode::from(3));
    let up = schema_cli::run_embedded(&set, pool, migrate(&["up", "--to", "20", "-q"])).await;
    assert_eq!(up, ExitCode::SUCCESS);
    assert_eq!(
        set.status(pool)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.applied_at.is_some())
            .count(),
        2
    );
    // The rest applied, the schema is the migrations' (PostgreSQL: compared on a scratch
    // database of the server), and the dump prints it.
    let up = schema_cli::run_embedded(&set, pool, migrate(&["up", "-q"])).await;
    assert_eq!(up, ExitCode::SUCCESS);
    let diff = with_dev(&["diff", "-q"], dev_url);
    let diff = schema_cli::run_embedded(&set, pool, migrate(&diff)).await;
    assert_eq!(diff, ExitCode::SUCCESS);
    let dump = schema_cli::run_embedded(&set, pool, migrate(&["dump", "-q"])).await;
    assert_eq!(dump, ExitCode::SUCCESS);

    // A migrator the application configured: another module, with nothing applied.
    let other = schema_cli::run_migrator(
        set.migrator().module("plugin"),
        pool,
        migrate(&["status", "-q"]),
    )
    .await;
    assert_eq!(other, ExitCode::from(3));
    let verify = schema_cli::run_embedded(&set, pool, migrate(&["verify", "-q"])).await;
    assert_eq!(verify, ExitCode::SUCCESS);
    let refused = schema_cli::run_embedded(&set, pool, migrate(&["repair", "10", "-q"])).await;
    assert_eq!(refused, ExitCode::from(1));
}

#[test]
fn mounted_commands_have_no_new_and_document_the_exit_codes() {
    let error = App::try_parse_from(["myapp", "migrate", "new", "x"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::InvalidSubcommand);
    assert_eq!(error.exit_code(), 2);
    let help = App::try_parse_from(["myapp", "migrate", "--help"])
        .unwrap_err()
        .to_string();
    assert!(
        help.contains("Usage: myapp migrate [OPTIONS] <COMMAND>"),
        "{help}"
    );
    assert!(
        help.contains("3  `status` found pending migrations"),
        "{help}"
    );
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).exists());
}

/// A module embedded with its table prefix, as an application mounts it: `migrate diff`
/// compares only the module's objects, so the core's tables are no drift. The folder is the
/// root package's fixture, watched by that package's build script, not by this one's.
#[allow(deprecated)]
static CALENDAR: Migrations = schema_runtime::embed_migrations!(
    "../tests/fixtures/drift_module",
    module = "calendar",
    prefix = "calendar_"
);

#[tokio::test]
async fn mounted_diff_compares_only_the_modules_objects() {
    let dir = tempfile::tempdir().unwrap();
    let pool = crate::support::sqlite_pool(dir.path()).await;
    only_the_modules_objects((&pool).into(), None).await;
    pool.close().await;
}

#[test]
fn pg_mounted_diff_compares_only_the_modules_objects() {
    let project = crate::postgres::pg_project(None);
    crate::support::block_on(async {
        let pool = sqlx::PgPool::connect(&project.url).await.unwrap();
        let server = crate::postgres::server_url();
        only_the_modules_objects((&pool).into(), Some(&server)).await;
        pool.close().await;
    });
}

async fn only_the_modules_objects(pool: DbPool<'_>, dev_url: Option<&str>) {
    let exec = |sql: &'static str| async move {
        match pool {
            DbPool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
            DbPool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
            _ => unreachable!(),
        }
        .unwrap()
    };
    exec("CREATE TABLE users (id INTEGER PRIMARY KEY)").await;
    CALENDAR.run(pool).await.unwrap();
    let args = with_dev(&["diff", "-q"], dev_url);
    let diff = schema_cli::run_embedded(&CALENDAR, pool, migrate(&args)).await;
    assert_eq!(diff, ExitCode::SUCCESS);

    exec("ALTER TABLE calendar_events ADD COLUMN place TEXT").await;
    let diff = schema_cli::run_embedded(&CALENDAR, pool, migrate(&args)).await;
    assert_eq!(diff, ExitCode::from(4));
    let drift = match dev_url {
        Some(url) => CALENDAR.verify_schema_with_dev(pool, url).await,
        None => CALENDAR.verify_schema(pool).await,
    }
    .unwrap();
    assert_eq!(drift.differences.len(), 1);
    assert_eq!(drift.differences[0].name, "calendar_events.place");
}
