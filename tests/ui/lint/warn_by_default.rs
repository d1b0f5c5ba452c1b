// By default a lint finding is a compiler warning, never an error: this crate denies the
// `deprecated` lint the warning is made of, so that the case shows its exact text.
#![deny(deprecated)]

use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("warn_by_default");

fn main() {
    let _ = MIGRATIONS.len();
}
