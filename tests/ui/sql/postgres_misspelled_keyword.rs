use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres_misspelled_keyword", dialect = "postgres");

fn main() {
    let _ = MIGRATIONS.len();
}
