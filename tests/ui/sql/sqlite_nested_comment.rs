use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_nested_comment");

fn main() {
    let _ = MIGRATIONS.len();
}
