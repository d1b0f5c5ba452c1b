use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations", check = "no");

fn main() {
    let _ = MIGRATIONS.len();
}
