//! The `schema` command; see `schema --help` and the `schema_cli` crate docs.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Usage errors exit with 2 inside `parse`; everything else is printed by `run`, which
    // the applications that mount the commands share.
    schema_cli::run(schema_cli::Cli::parse())
}
