use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("up_without_down");

fn main() {
    let _ = MIGRATIONS.len();
}
