//! One file per command: parse its arguments, make one call to the runtime (or schema-core),
//! render the result.

pub(crate) mod advise;
mod baseline;
mod diagram;
mod diff;
mod diff_models;
mod diff_write;
mod down;
mod dump;
mod history;
mod import;
pub(crate) mod lint;
mod modules;
pub(crate) mod new;
pub(crate) mod new_models;
pub(crate) mod rekey;
mod repair;
mod resume;
mod status;
mod up;
mod verify;

use crate::cli::MigrateCommand;
use crate::output::Output;
use crate::Error;
use schema_runtime::{DbPool, Migrator};

/// What a command works with.
/// The server `--dev-url` names, which a comparison on PostgreSQL makes its scratch database
/// on (kept out of every message as a secret); `missing` when it is not given there. None on
/// SQLite, which needs none.
pub(crate) fn dev_url(
    dialect: schema_core::Dialect,
    given: Option<&str>,
    missing: Error,
) -> Result<Option<&str>, Error> {
    if let Some(url) = given {
        crate::secret::remember(url);
    }
    match dialect {
        schema_core::Dialect::Postgres => given.map(Some).ok_or(missing),
        schema_core::Dialect::Sqlite => Ok(None),
    }
}

pub(crate) struct Ctx<'a> {
    /// The migrator over the set, with the module and tracking tables chosen.
    pub migrator: Migrator<'a>,
    /// Whether the migrator's set is the module's own (the folder read, the embedded set), so
    /// that what is pending is known; not for `modules` run without a folder or a module.
    pub known_set: bool,
    /// The application's registered modules, when it mounted them (`run_modules`).
    pub modules: Option<&'a schema_runtime::Modules>,
    /// The database.
    pub pool: DbPool<'a>,
    /// The migrations folder (the `schema` binary's `--source`); `None` for the mounted
    /// commands, whose set is embedded.
    pub source: Option<&'a std::path::Path>,
    /// Where results go.
    pub out: &'a Output,
    /// Where the folder's old migrations end for its SQL check (the binary's `--old`); what a
    /// command that writes to the folder checks it with again, besides the set's prefix.
    pub old: schema_core::OldMigrations,
}

impl Ctx<'_> {
    /// The SQL check of a folder as the options ask for it: `--old`, and the set's table
    /// prefix (`--prefix`), as the folder was checked when it was read.
    pub(crate) fn check_options(&self, dialect: schema_core::Dialect) -> schema_core::CheckOptions {
        let options = schema_core::CheckOptions::new(dialect).with_old(self.old);
        match self.migrator.migrations().prefix() {
            Some(prefix) => options.with_prefix(prefix),
            None => options,
        }
    }
}

/// How a command that did its work ended; see [`crate::cli::EXIT_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done; nothing to report.
    Ok,
    /// `status` found pending migrations.
    Pending,
    /// `status` or `verify` found a modified, missing or failed migration; `diff` found the
    /// schema changed.
    Drift,
    /// `lint` found an error-level finding.
    LintError,
}

impl Exit {
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Pending => 3,
            Exit::Drift => 4,
            Exit::LintError => 5,
        }
    }
}

/// Runs one of the database commands.
pub(crate) async fn run(command: &MigrateCommand, ctx: Ctx<'_>) -> Result<Exit, Error> {
    match command {
        MigrateCommand::Status => status::run(ctx).await,
        MigrateCommand::Up(args) => up::run(args, ctx).await,
        MigrateCommand::Down(args) => down::run(args, ctx).await,
        MigrateCommand::Verify => verify::run(ctx).await,
        MigrateCommand::Diff(args) => diff::run(args, ctx).await,
        MigrateCommand::Dump(args) => dump::run(args, ctx).await,
        MigrateCommand::Diagram(args) => diagram::run(args, ctx).await,
        MigrateCommand::History => history::run(ctx).await,
        MigrateCommand::Baseline { version } => baseline::run(*version, ctx).await,
        MigrateCommand::Repair {
            version,
            allow_edited,
        } => repair::run(*version, *allow_edited, ctx).await,
        MigrateCommand::Resume(args) => resume::run(args, ctx).await,
        MigrateCommand::Modules(args) => modules::run(args, ctx).await,
        MigrateCommand::ImportSqlx(args) => import::sqlx(args, ctx).await,
        MigrateCommand::ImportVersions { .. }
        | MigrateCommand::ImportFiles { .. }
        | MigrateCommand::Import { .. } => import::run(command, ctx).await,
    }
}
