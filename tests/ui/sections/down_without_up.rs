use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("down_without_up");

fn main() {
    let _ = MIGRATIONS.len();
}
