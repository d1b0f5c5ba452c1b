use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_endless_statement");

fn main() {
    let _ = MIGRATIONS.len();
}
