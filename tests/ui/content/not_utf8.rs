use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("not_utf8");

fn main() {
    let _ = MIGRATIONS.len();
}
