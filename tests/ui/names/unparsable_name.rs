use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("unparsable_name");

fn main() {
    let _ = MIGRATIONS.len();
}
