use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_concurrently_in_transaction", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
