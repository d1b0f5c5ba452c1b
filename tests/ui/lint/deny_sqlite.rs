// `lint = "deny"`: a lint finding of the newest migration fails the build, with its rule, the
// reason and the safe alternative.
use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("deny_sqlite", lint = "deny");

fn main() {
    let _ = MIGRATIONS.len();
}
