use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("plugin", prefix = "calendar_", after = "core_migrations");

fn main() {
    let _ = MIGRATIONS.len();
}
