//! The `schema` command: create, apply, inspect and revert the SQL migrations of a folder, and
//! the same commands mounted in an application over its embedded migrations.
//!
//! The folder is read and checked by schema-core, the code `embed_migrations!` runs at
//! build time, and applied by schema-runtime, so the command and the application agree on
//! every file, checksum and tracking row.
//!
//! # Example
//!
//! ```sh
//! schema new create_users --reversible
//! DATABASE_URL=sqlite:app.db schema up
//! DATABASE_URL=sqlite:app.db schema status --json
//! ```
//!
//! An application mounts the commands as a subcommand of its own:
//!
//! ```ignore
//! static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");
//!
//! #[derive(clap::Parser)]
//! struct Args {
//!     #[command(subcommand)]
//!     command: Option<Command>,
//! }
//!
//! #[derive(clap::Subcommand)]
//! enum Command {
//!     /// Apply, inspect and revert the database's migrations.
//!     Migrate(schema_cli::Migrate),
//! }
//!
//! // in main, once the pool is open:
//! if let Some(Command::Migrate(migrate)) = args.command {
//!     return Ok(schema_cli::run_embedded(&MIGRATIONS, &pool, migrate).await);
//! }
//! ```
//!
//! # Details
//!
//! - Results go to stdout: aligned tables, coloured only on a terminal without `NO_COLOR`, or
//!   with `--json` one JSON document per command. Errors go to stderr as `error: ...`, with
//!   each problem of a bad folder as `path:line:col: message`, then each cause as
//!   `  caused by: ...`, then, where a flag or command resolves it, `hint: ...`. Progress
//!   (each migration as it is applied or reverted) goes to stderr unless `--quiet`.
//! - Exit codes: see [`EXIT_CODES`].
//! - Mounted commands have no `new`: the binary embeds its migrations when it is built, so
//!   new files are made in the source tree with `schema new`.

// `Error` wraps `MigrateError`, which carries what a user needs to act: larger than clippy's
// 128 bytes, on a path taken once per failed command.
#![allow(clippy::result_large_err)]

mod cli;
mod commands;
mod db;
pub mod diagram;
mod encryption;
mod error;
mod hint;
mod output;
mod progress;
mod run;
mod secret;
mod sources;

/// The clap this crate's types are built with, for an application without a clap dependency
/// of its own: `use schema_cli::clap;` puts it where clap's derives look for it.
pub use clap;
pub use cli::{
    AdviseArgs, Cli, Command, DiagramArgs, DiffArgs, DownArgs, DumpArgs, ImportArgs, LintArgs,
    Migrate, MigrateCommand, ModulesAction, ModulesArgs, NewArgs, OutputArgs, SchemaArgs, UpArgs,
    EXIT_CODES,
};
pub use error::Error;
pub use run::{run, run_embedded, run_migrator, run_modules};
