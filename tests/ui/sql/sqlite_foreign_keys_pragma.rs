use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_foreign_keys_pragma");

fn main() {
    let _ = MIGRATIONS.len();
}
