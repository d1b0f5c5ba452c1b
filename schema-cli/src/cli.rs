//! The command line: the `schema` binary's arguments, and the migration commands an
//! application mounts as a subcommand of its own.

mod args;

pub use args::{
    AdviseArgs, DiagramArgs, DiffArgs, DownArgs, DumpArgs, ImportArgs, LintArgs, NewArgs,
    ResumeArgs, SchemaArgs, UpArgs,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The exit codes, shown at the end of `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error (bad migrations folder, database error, refused or failed migration)
  2  usage error (unknown command or option, bad value)
  3  `status` found pending migrations
  4  `status` or `verify` found drift: a modified, missing or failed migration; `diff` found
     the database's schema differs from the one its migrations (or `--models`) make
  5  `lint` found an error-level finding";

/// Create, apply, inspect and revert the SQL migrations of a folder.
///
/// The folder is read and checked by the same code that `embed_migrations!` runs at build time.
#[derive(Debug, Parser)]
#[command(name = "schema", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// The database: `sqlite:<path>` (`sqlite://<path>`, `sqlite::memory:`) or
    /// `postgres://user:password@host/database`.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        global = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// The migrations folder, relative to the current directory.
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    pub source: PathBuf,

    /// The migration set (module) to work on; several can share one database.
    #[arg(long, global = true, default_value = "default", value_name = "NAME")]
    pub module: String,

    /// The table prefix the module is confined to, as the macro's `prefix` option: a statement
    /// of the folder that creates, changes, drops or writes an object without it is refused,
    /// and `diff`, `dump` and `diagram` keep to the objects that have it (the module's own, in
    /// a database other modules share).
    #[arg(long, global = true, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Prefix of the tracking tables: `<PREFIX>_migrations`, `<PREFIX>_history` and
    /// `<PREFIX>_modules`.
    #[arg(long, global = true, default_value = "_schema", value_name = "PREFIX")]
    pub table_prefix: String,

    /// The SQL dialect the folder's SQL is checked as, exactly as `embed_migrations!` checks
    /// it (`sqlite` applies the chain to an in-memory database, `postgres` parses every file).
    /// Default: the database URL's.
    #[arg(long, global = true, value_name = "DIALECT", value_parser = ["sqlite", "postgres"])]
    pub dialect: Option<String>,

    /// Do not check the SQL itself; names, versions, pairs and directives are still checked
    /// (the macro's `check = false`).
    #[arg(long, global = true)]
    pub no_check: bool,

    /// Where old migrations end, as the macro's `old` option: the SQL check reports a problem
    /// in a migration up to and including this version as a note of `verify`, not an error;
    /// `none`: every problem is an error. Default: every up is judged in full, and every down
    /// but the newest migration's is old.
    #[arg(long, global = true, value_name = "VERSION|none", value_parser = parse_old)]
    pub old: Option<schema_core::OldMigrations>,

    /// How the results are shown.
    #[command(flatten)]
    pub output: OutputArgs,

    /// How an encrypted SQLite database is opened.
    #[command(flatten)]
    pub cipher: CipherArgs,
}

/// An encrypted SQLite database (SQLCipher; `schema` built with the cargo feature
/// `sqlcipher`): its key comes from `SCHEMA_SQLITE_PASSPHRASE` (a passphrase) or
/// `SCHEMA_SQLITE_KEY` (a raw key, `x'…'` hex), or is asked for with `--key-prompt`; never an
/// argument, which other users see in `ps`.
#[derive(Debug, Clone, Default, Args)]
pub struct CipherArgs {
    /// Ask for the SQLCipher passphrase on the terminal (instead of `SCHEMA_SQLITE_PASSPHRASE`
    /// or `SCHEMA_SQLITE_KEY`).
    #[arg(long, global = true)]
    pub key_prompt: bool,

    /// The SQLCipher major version (1 to 4) whose default settings the file was encrypted
    /// with. Default: 4.
    #[arg(long, global = true, value_name = "VERSION")]
    pub cipher_compatibility: Option<u8>,

    /// The rounds of SQLCipher's KDF the file was encrypted with (`kdf_iter`).
    #[arg(long, global = true, value_name = "ROUNDS")]
    pub kdf_iter: Option<u32>,

    /// The page size the file was encrypted with (`cipher_page_size`).
    #[arg(long, global = true, value_name = "BYTES")]
    pub cipher_page_size: Option<u32>,
}

fn parse_old(value: &str) -> Result<schema_core::OldMigrations, String> {
    schema_core::OldMigrations::from_arg(value)
        .ok_or_else(|| "expected a version or `none`".to_owned())
}

/// The `schema` binary's commands: `new`, and every migration command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a migration file in the folder (the folder is created if missing).
    New(NewArgs),
    /// Show what is valid SQL and still locks, rewrites or breaks a database in production.
    /// Exits with 5 on an error-level finding.
    ///
    /// Every migration, or with a database URL only those newer than its newest applied one,
    /// or with `--since <REF>` only the files changed since that git ref.
    Lint(LintArgs),
    /// Advise on indexes: foreign keys without one, duplicate and redundant ones, and the
    /// queries of the application that read a whole table or sort in a temporary B-tree.
    ///
    /// The schema is the one the migrations make (applied in memory on SQLite, to a scratch
    /// database on the `--dev-url` server on PostgreSQL), or with `--database-url` the live
    /// database's. Queries are only planned, never run. `--write NAME` writes the advice as a
    /// reversible migration in the folder.
    Advise(AdviseArgs),
    /// Change the key of an encrypted SQLite database (SQLCipher's `PRAGMA rekey`; the data
    /// is kept). The current key as for every command; the new one from
    /// `SCHEMA_SQLITE_NEW_PASSPHRASE` or `SCHEMA_SQLITE_NEW_KEY`, or asked twice on the
    /// terminal. Stop the application first: its open connections hold the old key.
    Rekey,
    /// The commands that work on a database.
    #[command(flatten)]
    Migrate(MigrateCommand),
}

/// Options of the output, shared by the binary and the mounted commands.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of tables, for scripts.
    #[arg(long, global = true)]
    pub json: bool,

    /// Do not show progress (each migration as it is applied or reverted) on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The migration commands over an application's embedded set, to mount as a subcommand:
///
/// ```ignore
/// #[derive(clap::Subcommand)]
/// enum Command {
///     /// Apply, inspect and revert the database's migrations.
///     Migrate(schema_cli::Migrate),
/// }
/// ```
///
/// then `schema_cli::run_embedded(&MIGRATIONS, &pool, migrate).await` gives
/// `myapp migrate status`, `myapp migrate up`, and so on. There is no `new`: the binary embeds
/// its migrations at build time, so new files go in the source tree (`schema new`).
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Migrate {
    /// What to do.
    #[command(subcommand)]
    pub command: MigrateCommand,

    /// The module to work on, among the application's registered modules (mounted with
    /// `run_modules`); `default` unless given. Ignored by `run_embedded` and `run_migrator`,
    /// whose set is the one given.
    #[arg(long, global = true, value_name = "NAME")]
    pub module: Option<String>,

    /// How the results are shown.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The commands that work on a database, shared by the `schema` binary and mounted
/// applications.
#[derive(Debug, Clone, Subcommand)]
pub enum MigrateCommand {
    /// Show every migration with its state: applied, pending, modified, missing, failed or
    /// baseline. Exits with 3 when some are pending, 4 on drift.
    Status,
    /// Apply the pending migrations, each in its own transaction.
    Up(UpArgs),
    /// Revert applied migrations with their down files, newest first.
    Down(DownArgs),
    /// Check the applied migrations against the files: checksums, missing files, failed
    /// migrations. Exits with 4 on drift.
    Verify,
    /// Compare the database's schema with the one its migrations make: missing, extra and
    /// changed objects. Exits with 4 on drift.
    ///
    /// The migrations are applied to an in-memory database on SQLite, to a scratch database on
    /// the `--dev-url` server on PostgreSQL; tables, columns, keys, checks, foreign keys,
    /// indexes, views, triggers, sequences, enums and schemas are compared.
    Diff(DiffArgs),
    /// Print the database's schema as SQL, normalized as `diff` compares it: the statements
    /// that make it on an empty database of the same kind. `--json` prints the model instead.
    ///
    /// Tracking tables are left out, and, for a module with a table prefix, what is not its
    /// own. `--expected` prints the schema the migrations make instead.
    Dump(DumpArgs),
    /// Draw the database's tables, their columns (type, keys, NOT NULL) and the foreign keys
    /// between them, on stdout: `--format mermaid` (default), `dot` (Graphviz) or `html` (one
    /// self-contained page, no script, nothing fetched).
    ///
    /// `--expected` draws the schema the migrations make instead.
    Diagram(DiagramArgs),
    /// Show every recorded event: applies, reverts, failures, baselines, repairs, imports.
    History,
    /// List every module of the database with its role, state, version, pending migrations and
    /// last apply; or activate, deactivate or remove a plugin (in an application that mounts
    /// its registered modules).
    Modules(ModulesArgs),
    /// Mark every migration up to VERSION as applied without running it, for a database
    /// that already has their schema.
    Baseline {
        /// The last version already in the database.
        version: i64,
    },
    /// Mark a failed migration as applied, once the database was put right by hand.
    Repair {
        /// The failed version.
        version: i64,
        /// Mark it even though its file was edited since it failed (its checksum differs from
        /// the one recorded then).
        #[arg(long)]
        allow_edited: bool,
    },
    /// Finish a failed `-- no-transaction` migration: run its statements from the first one
    /// that did not complete, then apply what else is pending.
    Resume(ResumeArgs),
    /// Adopt the history another migration tool left: check each migration it recorded
    /// against the files (with its own checksum where it has one) and record them with its
    /// times. `up` adopts sqlx's, diesel's and refinery's by itself.
    Import {
        /// The tool: `sqlx` (`_sqlx_migrations`, checked with sqlx's SHA-384), `diesel`
        /// (`__diesel_schema_migrations`), `refinery` (`refinery_schema_history`, checked with
        /// refinery's SipHash), `golang-migrate` (`schema_migrations`: every version up to the
        /// one recorded; a dirty row is refused), `goose` (`goose_db_version`: the latest row of
        /// each version decides) or `flyway` (`flyway_schema_history`, checked with Flyway's
        /// CRC-32; repeatable migrations are skipped).
        #[arg(value_parser = parse_tool, value_name = "TOOL")]
        tool: schema_runtime::OtherTool,
        /// Read this table instead of the tool's default one (`schema.table` for another
        /// schema).
        #[arg(long, value_name = "TABLE")]
        table: Option<String>,
        /// What to do with versions the folder does not have.
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Adopt a database that sqlx migrated: import `_sqlx_migrations`, checking sqlx's
    /// checksums against the files (`import sqlx` does the same).
    ImportSqlx(ImportArgs),
    /// Adopt a database whose versions another tool, or a person, kept in TABLE(version): each
    /// version listed is applied, unless a status column says otherwise.
    ImportVersions {
        /// The table of versions, e.g. `schema_version`.
        table: String,
        /// The column that holds the versions.
        #[arg(long, default_value = "version", value_name = "COLUMN")]
        version_column: String,
        /// The column that says whether a version is applied. By default `applied`, `success`,
        /// `done`, `up`, `true`... mean applied and `rolled_back`, `failed`, `pending`, `down`,
        /// `false`... mean not applied; any other value is refused.
        #[arg(long, value_name = "COLUMN")]
        status_column: Option<String>,
        /// A status value that means applied (repeat for several); every other value then
        /// means not applied.
        #[arg(
            long = "applied-value",
            value_name = "VALUE",
            requires = "status_column"
        )]
        applied_values: Vec<String>,
        /// The column that holds when each version was applied, kept as its applied time.
        #[arg(long, value_name = "COLUMN")]
        applied_at_column: Option<String>,
        /// What to do with versions the folder does not have.
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Adopt a database whose migrations a person tracked by file name in
    /// TABLE(filename, applied_at): each name is matched to the file of that name.
    ImportFiles {
        /// The table of file names, e.g. `_migrations`.
        table: String,
        /// The column that holds the file names.
        #[arg(long, default_value = "filename", value_name = "COLUMN")]
        file_column: String,
        /// The column that holds when each file was applied, kept as its applied time.
        #[arg(long, default_value = "applied_at", value_name = "COLUMN")]
        applied_at_column: String,
        /// The table keeps no applied time: the files are recorded as applied now.
        #[arg(long)]
        no_applied_at: bool,
        /// What to do with files the folder does not have.
        #[command(flatten)]
        import: ImportArgs,
    },
}

/// `modules`.
#[derive(Debug, Clone, Args)]
pub struct ModulesArgs {
    /// What to do; without one, list the modules.
    #[command(subcommand)]
    pub action: Option<ModulesAction>,
}

/// `modules activate|deactivate|remove NAME`: what a plugin of the application can be made.
#[derive(Debug, Clone, Subcommand)]
pub enum ModulesAction {
    /// Mark the plugin active and apply its migrations; every boot then keeps it up to date.
    Activate {
        /// The plugin.
        name: String,
    },
    /// Mark the plugin inactive: boot no longer applies it; its tables and data stay.
    Deactivate {
        /// The plugin.
        name: String,
    },
    /// Revert every migration of the plugin with its down files and mark it inactive: its
    /// tables and data are gone. Refused, before anything is reverted, when one has no down.
    Remove {
        /// The plugin.
        name: String,
    },
}

/// A tool `import` reads, by [`OtherTool::key`](schema_runtime::OtherTool::key).
fn parse_tool(key: &str) -> Result<schema_runtime::OtherTool, String> {
    let tools = schema_runtime::OtherTool::TOOLS;
    tools.into_iter().find(|t| t.key() == key).ok_or_else(|| {
        let keys: Vec<&str> = tools.iter().map(|t| t.key()).collect();
        format!("not one of {}", keys.join(", "))
    })
}

impl Cli {
    /// The SQL check of the folder as the options ask for it: `--old`, `--prefix`.
    pub(crate) fn check_options(&self, dialect: schema_core::Dialect) -> schema_core::CheckOptions {
        let options =
            schema_core::CheckOptions::new(dialect).with_old(self.old.unwrap_or_default());
        match &self.prefix {
            Some(prefix) => options.with_prefix(prefix),
            None => options,
        }
    }

    /// The migrator of `migrations` for the module and tracking tables the options name.
    pub(crate) fn migrator<'m>(
        &self,
        migrations: &'m schema_runtime::Migrations,
    ) -> schema_runtime::Migrator<'m> {
        migrations
            .migrator()
            .module(&self.module)
            .table_names(schema_runtime::TableNames::with_prefix(&self.table_prefix))
    }
}

impl MigrateCommand {
    /// Whether the command reads the database alone, so that the migrations folder is read
    /// only when it exists: `dump` and `diagram` of the live schema.
    pub(crate) fn needs_no_folder(&self) -> bool {
        match self {
            MigrateCommand::Modules(_) => true,
            MigrateCommand::Diff(args) => args.models.is_some(),
            MigrateCommand::Dump(args) => !args.schema.expected,
            MigrateCommand::Diagram(args) => !args.schema.expected,
            _ => false,
        }
    }

    /// Whether the command may create an SQLite file that does not exist yet.
    pub(crate) fn creates_database(&self) -> bool {
        matches!(self, MigrateCommand::Up(up) if !up.dry_run)
    }

    /// Whether the command only reads, so that a missing SQLite file can be shown as an empty
    /// database.
    pub(crate) fn reads_only(&self) -> bool {
        match self {
            MigrateCommand::Status
            | MigrateCommand::Verify
            | MigrateCommand::Dump(_)
            | MigrateCommand::Diagram(_)
            | MigrateCommand::History => true,
            MigrateCommand::Diff(diff) => diff.write.is_none(),
            MigrateCommand::Modules(args) => args.action.is_none(),
            MigrateCommand::Up(up) => up.dry_run,
            _ => false,
        }
    }
}
