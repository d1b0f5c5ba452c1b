use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("repeatable_no_transaction");

fn main() {
    let _ = MIGRATIONS.len();
}
