use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("nul_byte");

fn main() {
    let _ = MIGRATIONS.len();
}
