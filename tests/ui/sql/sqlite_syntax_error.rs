use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_syntax_error");

fn main() {
    let _ = MIGRATIONS.len();
}
