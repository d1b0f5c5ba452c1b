use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("mismatched_pair");

fn main() {
    let _ = MIGRATIONS.len();
}
