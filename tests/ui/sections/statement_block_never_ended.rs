use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("statement_block_never_ended");

fn main() {
    let _ = MIGRATIONS.len();
}
