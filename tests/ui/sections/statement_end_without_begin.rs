use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("statement_end_without_begin");

fn main() {
    let _ = MIGRATIONS.len();
}
