use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("not_a_dir.txt");

fn main() {
    let _ = MIGRATIONS.len();
}
