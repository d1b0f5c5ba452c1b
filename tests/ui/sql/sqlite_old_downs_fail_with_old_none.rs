// `old = none`: every down is judged in full, the old ones too.
use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("../pass/old_history", old = none);

fn main() {}
