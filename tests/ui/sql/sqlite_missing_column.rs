use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_missing_column");

fn main() {
    let _ = MIGRATIONS.len();
}
