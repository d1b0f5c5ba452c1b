use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("down_section_in_up_file");

fn main() {
    let _ = MIGRATIONS.len();
}
