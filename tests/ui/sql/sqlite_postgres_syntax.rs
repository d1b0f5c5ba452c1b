use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_postgres_syntax");

fn main() {
    let _ = MIGRATIONS.len();
}
