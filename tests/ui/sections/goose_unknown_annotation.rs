use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("goose_unknown_annotation");

fn main() {
    let _ = MIGRATIONS.len();
}
