use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_down_drops_too_much");

fn main() {
    let _ = MIGRATIONS.len();
}
