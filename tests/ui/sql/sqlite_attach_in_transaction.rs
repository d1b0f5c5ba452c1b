use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_attach_in_transaction");

fn main() {
    let _ = MIGRATIONS.len();
}
