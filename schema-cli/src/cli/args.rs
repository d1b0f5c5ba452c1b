//! The options of each command that has its own.

use clap::Args;
use std::path::PathBuf;

/// `schema new`.
#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// What the migration does, e.g. `create_users` (spaces become `_`).
    pub name: String,

    /// Create a reversible pair: `.up.sql` and `.down.sql`.
    #[arg(long, short)]
    pub reversible: bool,

    /// Number 1, 2, 3... after the folder's highest version, zero-padded like the existing
    /// files, instead of a `YYYYMMDDHHMMSS` timestamp (UTC).
    #[arg(long, short)]
    pub sequential: bool,

    /// Write the reversible pair that takes the migrations' schema to the one the JSON Schema
    /// documents of DIR describe (one model a table; see docs/models.md); nothing when they
    /// agree. Checked as the build checks it.
    #[arg(long, value_name = "DIR")]
    pub from_models: Option<PathBuf>,

    /// With `--from-models`: print the pair instead of writing it.
    #[arg(long, requires = "from_models")]
    pub dry_run: bool,

    /// With `--from-models` on PostgreSQL: a database on a server where scratch databases can
    /// be created and dropped, as for `diff`.
    #[arg(
        long,
        env = "SCHEMA_DEV_URL",
        hide_env_values = true,
        value_name = "URL",
        requires = "from_models"
    )]
    pub dev_url: Option<String>,
}

/// `lint`.
#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// Lint only the files added or changed since this git commit, branch or tag (the working
    /// tree's changes and new files included).
    #[arg(long, value_name = "REF", conflicts_with = "all")]
    pub since: Option<String>,

    /// Lint every file, even with a database URL (by default the applied ones are left
    /// alone).
    #[arg(long)]
    pub all: bool,

    /// Allow a rule everywhere: its findings are not shown (repeat for several). One file
    /// allows rules with a `-- schema: allow(rule, …)` line.
    #[arg(long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
}

/// `advise`.
#[derive(Debug, Clone, Args)]
pub struct AdviseArgs {
    /// A folder of `.sql` files (or one file) holding the application's queries: every
    /// statement of each file is one; may be repeated.
    #[arg(long, value_name = "DIR")]
    pub queries: Vec<PathBuf>,

    /// A crate's Rust sources (its `src/`, or one `.rs` file): the SQL of every `sqlx::query!`, `query_as!`,
    /// `query_scalar!`, `query_file!` and of `query(...)`, `query_as(...)`,
    /// `query_scalar(...)` calls; may be repeated.
    #[arg(long, value_name = "DIR")]
    pub sources: Vec<PathBuf>,

    /// PostgreSQL: a database on a server where the migrations can be applied to a scratch
    /// database, created with a unique name and dropped afterwards. Not needed with
    /// `--database-url`, whose live schema is advised on instead.
    #[arg(
        long,
        env = "SCHEMA_DEV_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub dev_url: Option<String>,

    /// Write the advice as a reversible migration named NAME in the folder (on PostgreSQL
    /// `-- no-transaction`, with `CREATE INDEX CONCURRENTLY`), checked as the build checks it.
    #[arg(long, value_name = "NAME")]
    pub write: Option<String>,
}

/// `up`.
#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    /// Apply up to and including this version, and no further.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<i64>,

    /// Print what would be applied, in order, with its SQL, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Apply every pending migration in one transaction: all of them or none.
    #[arg(long)]
    pub all_or_nothing: bool,

    /// Apply a pending migration whose version sorts before an applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,

    /// Do not refuse when the database has migrations applied that the folder does not have.
    #[arg(long)]
    pub ignore_missing: bool,

    /// Apply from the first migration even though the module has nothing recorded and another
    /// migration tool's history table (`_sqlx_migrations`, `__diesel_schema_migrations`, ...)
    /// holds rows, adopting nothing: only for a table that has nothing to do with these
    /// migrations.
    #[arg(long)]
    pub ignore_other_tools: bool,

    /// Do not adopt the history sqlx, diesel or refinery left (by default `up` checks it
    /// against the files and records it before applying the rest): refuse instead, as for the
    /// other tools, whose history `import <TOOL>` adopts.
    #[arg(long)]
    pub no_adopt: bool,

    /// How long to wait for another process's run to finish, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

/// `diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// PostgreSQL: a database on a server where the migrations can be applied to a scratch
    /// database, created with a unique name and dropped afterwards (e.g. the same server as
    /// `--database-url`).
    #[arg(
        long,
        env = "SCHEMA_DEV_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub dev_url: Option<String>,

    /// Write a reversible migration named NAME that removes the drift; the direction is
    /// required: `--to-expected` or `--from-live`.
    #[arg(long, value_name = "NAME")]
    pub write: Option<String>,

    /// With `--write`: the up turns the live schema into the one the migrations make. Written
    /// to a folder of its own (`--fix-dir`) and applied once, to this database only, as a
    /// module of its own.
    #[arg(long, requires = "write", conflicts_with = "from_live")]
    pub to_expected: bool,

    /// With `--write`: the up turns the schema the migrations make into the live one: the
    /// change made by hand becomes a migration of the folder, recorded as applied here.
    #[arg(long, requires = "write")]
    pub from_live: bool,

    /// With `--to-expected`: the folder the fix is written to, which must be empty or
    /// missing. Default: the migrations folder's name with `-fix` (`migrations-fix`).
    #[arg(long, requires = "to_expected", value_name = "DIR")]
    pub fix_dir: Option<PathBuf>,
    /// Compare the database with the JSON Schema documents of DIR (the models) instead of its
    /// migrations: the differences model by model.
    #[arg(long, value_name = "DIR", conflicts_with = "write")]
    pub models: Option<PathBuf>,
}

/// Which schema `dump` and `diagram` show.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Show the schema the migrations make instead of the database's: applied to an in-memory
    /// database on SQLite, to a scratch database on the `--dev-url` server on PostgreSQL.
    #[arg(long)]
    pub expected: bool,

    /// PostgreSQL with `--expected`: a database on a server where a scratch database can be
    /// created and dropped, as for `diff`.
    #[arg(
        long,
        env = "SCHEMA_DEV_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub dev_url: Option<String>,
}

/// `dump`.
#[derive(Debug, Clone, Args)]
pub struct DumpArgs {
    /// Which schema.
    #[command(flatten)]
    pub schema: SchemaArgs,
}

/// `diagram`.
#[derive(Debug, Clone, Args)]
pub struct DiagramArgs {
    /// The kind of drawing.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: crate::diagram::Format,

    /// Which schema.
    #[command(flatten)]
    pub schema: SchemaArgs,
}

/// `resume`.
#[derive(Debug, Clone, Args)]
pub struct ResumeArgs {
    /// Resume even though the file was edited since the migration failed (the statements that
    /// ran were the old file's).
    #[arg(long)]
    pub allow_edited: bool,

    /// The statement the progress says may have run did run: resume after it.
    #[arg(long, conflicts_with = "statement_did_not_run")]
    pub statement_ran: bool,

    /// The statement the progress says may have run did not take effect: resume with it.
    #[arg(long)]
    pub statement_did_not_run: bool,

    /// How long to wait for another process's run to finish, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

/// `down`.
#[derive(Debug, Clone, Args)]
pub struct DownArgs {
    /// How many migrations to revert, newest first.
    #[arg(default_value_t = 1, conflicts_with = "to", value_name = "N")]
    pub count: usize,

    /// Revert every migration applied after this version (0 reverts them all).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<i64>,

    /// How long to wait for another process's run to finish, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

/// Options of the imports.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Skip versions the folder does not have instead of refusing.
    #[arg(long)]
    pub ignore_missing: bool,
}
