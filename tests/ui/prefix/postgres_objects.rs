use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_objects", after = "core", prefix = "calendar_", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
