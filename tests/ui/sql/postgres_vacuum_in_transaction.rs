use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_vacuum_in_transaction", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
