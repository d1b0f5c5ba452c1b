use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations", after = ["core", 1]);

fn main() {
    let _ = MIGRATIONS.len();
}
