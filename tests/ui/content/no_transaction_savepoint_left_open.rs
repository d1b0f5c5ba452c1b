use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("no_transaction_savepoint_left_open");

fn main() {
    let _ = MIGRATIONS.len();
}
