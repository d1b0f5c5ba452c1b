use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("version_out_of_range");

fn main() {
    let _ = MIGRATIONS.len();
}
