// Without `old`, every up is new: an import that reads a table only the production server had
// fails the build, as it would fail a deploy to a database without that table. `old = 2` makes
// it a warning (tests/ui/pass/old_history.rs).
use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("../pass/old_import");

fn main() {}
