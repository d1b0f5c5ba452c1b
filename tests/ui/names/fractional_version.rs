use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("fractional_version");

fn main() {
    let _ = MIGRATIONS.len();
}
