use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("does_not_exist");

fn main() {
    let _ = MIGRATIONS.len();
}
