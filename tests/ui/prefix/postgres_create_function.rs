use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_create_function", after = "core", prefix = "calendar_", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
