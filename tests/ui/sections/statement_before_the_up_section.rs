use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("statement_before_the_up_section");

fn main() {
    let _ = MIGRATIONS.len();
}
