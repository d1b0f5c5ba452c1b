use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("diesel_without_up");

fn main() {
    let _ = MIGRATIONS.len();
}
