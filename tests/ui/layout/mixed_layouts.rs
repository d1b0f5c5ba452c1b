use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("mixed_layouts");

fn main() {
    let _ = MIGRATIONS.len();
}
