use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("unknown_directive");

fn main() {
    let _ = MIGRATIONS.len();
}
