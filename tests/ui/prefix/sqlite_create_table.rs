use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_create_table", after = "core", prefix = "calendar_");

fn main() {
    let _ = MIGRATIONS.len();
}
