use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("simple_and_reversible");

fn main() {
    let _ = MIGRATIONS.len();
}
