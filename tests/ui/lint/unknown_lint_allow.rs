use schema_runtime::Migrations;

static MIGRATIONS: Migrations =
    schema_runtime::embed_migrations!("warn_by_default", lint_allow = ["drop-colum"]);

fn main() {
    let _ = MIGRATIONS.len();
}
