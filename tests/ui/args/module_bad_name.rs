use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations", module = "my calendar");

fn main() {
    let _ = MIGRATIONS.len();
}
