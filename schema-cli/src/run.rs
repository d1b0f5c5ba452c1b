//! Running a parsed command line: the `schema` binary over a folder, or the mounted commands
//! over an application's embedded set.

use crate::cli::{Cli, Command, Migrate, MigrateCommand};
use crate::commands::{self, Ctx, Exit};
use crate::db::{self, IfMissing};
use crate::output::Output;
use crate::{error, progress, Error};
use schema_core::Dialect;
use schema_runtime::{DbPool, Migrations, Migrator, Modules};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::ExitCode;
use tracing::instrument::WithSubscriber;

/// Runs the `schema` command line on a runtime of its own, printing results on stdout and
/// errors on stderr; returns the exit code (see [`EXIT_CODES`](crate::EXIT_CODES)).
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return finish(Err(Error::Runtime(e)), cli.output.json, BINARY),
    };
    let out = Output::new(cli.output);
    let result = runtime.block_on(with_progress(out.progress, run_folder(&cli, &out)));
    finish(result, out.json, BINARY)
}

/// Runs a mounted migration command (`myapp migrate status`) over the application's embedded
/// migrations, with the default module and tracking tables; see [`run_migrator`] to choose
/// them. Prints results on stdout and errors on stderr, and returns the exit code to end the
/// process with.
///
/// ```ignore
/// static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");
///
/// if let Some(Command::Migrate(migrate)) = args.command {
///     return Ok(schema_cli::run_embedded(&MIGRATIONS, &pool, migrate).await);
/// }
/// ```
pub async fn run_embedded<'p>(
    migrations: &Migrations,
    pool: impl Into<DbPool<'p>>,
    args: Migrate,
) -> ExitCode {
    run_migrator(migrations.migrator(), pool, args).await
}

/// [`run_embedded`] with a migrator the application configured: its module, tracking tables,
/// lock timeout. The command's own options (`up --to`, `--all-or-nothing`, ...) apply on top.
pub async fn run_migrator<'p>(
    migrator: Migrator<'_>,
    pool: impl Into<DbPool<'p>>,
    args: Migrate,
) -> ExitCode {
    run_migrator_on(migrator, pool.into(), args).await
}

/// The body of [`run_migrator`]: not generic, so compiled once in this crate rather than in
/// every application that mounts the commands.
fn run_migrator_on<'a>(
    migrator: Migrator<'a>,
    pool: DbPool<'a>,
    args: Migrate,
) -> Pin<Box<dyn Future<Output = ExitCode> + 'a>> {
    Box::pin(async move {
        let out = Output::new(args.output);
        let ctx = Ctx {
            migrator,
            known_set: true,
            modules: None,
            pool,
            source: None,
            out: &out,
            old: Default::default(),
        };
        let json = out.json;
        finish(
            with_progress(out.progress, commands::run(&args.command, ctx)).await,
            json,
            "",
        )
    })
}

/// Runs a mounted migration command over the application's registered modules
/// ([`Modules`]): `--module NAME` picks the set every command works on (`default` unless
/// given), and `modules` lists them all, or activates, deactivates or removes a plugin
/// (`myapp migrate modules activate calendar`). The registry's tracking tables and lock
/// timeout apply.
///
/// ```ignore
/// if let Some(Command::Migrate(migrate)) = args.command {
///     let modules = schema_runtime::Modules::registered()?;
///     return Ok(schema_cli::run_modules(&modules, &pool, migrate).await);
/// }
/// ```
pub async fn run_modules<'p>(
    modules: &Modules,
    pool: impl Into<DbPool<'p>>,
    args: Migrate,
) -> ExitCode {
    run_modules_on(modules, pool.into(), args).await
}

/// The body of [`run_modules`], compiled once in this crate.
fn run_modules_on<'a>(
    modules: &'a Modules,
    pool: DbPool<'a>,
    args: Migrate,
) -> Pin<Box<dyn Future<Output = ExitCode> + 'a>> {
    Box::pin(async move {
        let out = Output::new(args.output);
        let json = out.json;
        let name = args
            .module
            .as_deref()
            .unwrap_or(schema_runtime::__private::DEFAULT_MODULE);
        // `modules` needs no set of its own; every other command works on the module named.
        let set = match (&args.command, modules.find(name)) {
            (_, Ok(set)) => Some(set),
            (MigrateCommand::Modules(_), Err(_)) if args.module.is_none() => None,
            (_, Err(e)) => return finish(Err(e.into()), json, ""),
        };
        let ctx = Ctx {
            migrator: match set {
                Some(set) => modules.migrator(set),
                None => schema_runtime::__private::EMPTY
                    .migrator()
                    .table_names(modules.tracking_tables().clone()),
            },
            known_set: set.is_some(),
            modules: Some(modules),
            pool,
            source: None,
            out: &out,
            old: Default::default(),
        };
        finish(
            with_progress(out.progress, commands::run(&args.command, ctx)).await,
            json,
            "",
        )
    })
}

async fn run_folder(cli: &Cli, out: &Output) -> Result<Exit, Error> {
    let command = match &cli.command {
        Command::New(args) if args.from_models.is_some() => {
            return commands::new_models::run(args, cli, out).await
        }
        Command::New(args) => return commands::new::run(args, &cli.source, out),
        Command::Lint(args) => return commands::lint::run(cli, args, out).await,
        Command::Advise(args) => return commands::advise::run(args, cli, out).await,
        Command::Rekey => return commands::rekey::run(cli).await,
        Command::Migrate(command) => command,
    };
    let url = cli.database_url.as_deref().ok_or(Error::NoDatabaseUrl)?;
    let encryption = db::Encryption::from_args(&cli.cipher)?;
    let dir = cli.source.to_string_lossy();
    // `modules` lists a database's modules with or without a folder; with one, what is
    // pending in the `--module` it holds is shown too. `dump` and `diagram` read the database
    // alone.
    let known_set = !command.needs_no_folder() || cli.source.exists();
    // The same judgement as the macro's: a folder that fails the build fails here too.
    let loaded = if !known_set {
        Ok(schema_runtime::__private::EMPTY)
    } else if cli.no_check {
        Migrations::load(Path::new("."), &dir)
    } else {
        let dialect = match cli.dialect.as_deref() {
            Some(name) => Dialect::from_name(name).unwrap_or_default(),
            None if url.starts_with("postgres") => Dialect::Postgres,
            None => Dialect::Sqlite,
        };
        let options = cli.check_options(dialect);
        Migrations::load_checked(Path::new("."), &dir, &options)
    };
    let migrations = loaded.map_err(|errors| Error::Folder {
        dir: dir.clone().into_owned(),
        errors,
    })?;
    let migrations = match &cli.prefix {
        Some(prefix) => migrations.with_prefix(prefix),
        None => migrations,
    };
    let if_missing = if command.creates_database() {
        IfMissing::Create
    } else if command.reads_only() {
        IfMissing::Empty
    } else {
        IfMissing::Refuse
    };
    let database = db::connect(url, if_missing, &encryption).await?;
    let ctx = Ctx {
        migrator: cli.migrator(&migrations),
        known_set,
        modules: None,
        pool: database.pool(),
        source: known_set.then_some(cli.source.as_path()),
        out,
        old: cli.old.unwrap_or_default(),
    };
    let result = commands::run(command, ctx).await;
    database.close().await;
    result
}

/// Runs `future` with progress lines on stderr, unless `--quiet`.
async fn with_progress<T>(enabled: bool, future: impl Future<Output = T>) -> T {
    if enabled {
        future.with_subscriber(progress::dispatch()).await
    } else {
        future.await
    }
}

/// What the `schema` binary's hints put before a subcommand; mounted commands name the
/// subcommand alone, their application's name not being known here.
const BINARY: &str = "schema ";

fn finish(result: Result<Exit, Error>, json: bool, program: &str) -> ExitCode {
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            error::print(&e, program);
            if json {
                error::print_json(&e, program);
            }
            ExitCode::from(1)
        }
    }
}
