use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("repeatable_with_down");

fn main() {
    let _ = MIGRATIONS.len();
}
