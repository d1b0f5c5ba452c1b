use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("diesel_metadata_string");

fn main() {
    let _ = MIGRATIONS.len();
}
