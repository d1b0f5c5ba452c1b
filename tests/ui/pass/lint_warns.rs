// By default a lint finding of the newest migration (here a dropped column) is a compiler
// warning and the build succeeds: `cargo build` shows it (`lint/warn_by_default` shows its exact
// text), and nothing else changes. With `old = none` every migration is linted, still as
// warnings.
use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("lint_warns");

static EVERY_ONE: Migrations = schema_runtime::embed_migrations!("lint_warns", old = none);

fn main() {
    assert_eq!(MIGRATIONS.len(), 2);
    assert_eq!(EVERY_ONE.len(), 2);
}
