use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("two_up_sections");

fn main() {
    let _ = MIGRATIONS.len();
}
