use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations" crate = schema_runtime);

fn main() {
    let _ = MIGRATIONS.len();
}
