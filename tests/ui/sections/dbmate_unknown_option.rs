use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("dbmate_unknown_option");

fn main() {
    let _ = MIGRATIONS.len();
}
