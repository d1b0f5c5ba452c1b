use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_down_changes_table");

fn main() {
    let _ = MIGRATIONS.len();
}
