use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("goose_envsub");

fn main() {
    let _ = MIGRATIONS.len();
}
