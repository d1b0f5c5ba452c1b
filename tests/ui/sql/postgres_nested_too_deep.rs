use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_nested_too_deep", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
