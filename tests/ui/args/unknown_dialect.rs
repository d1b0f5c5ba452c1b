use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations", dialect = "mysql");

fn main() {
    let _ = MIGRATIONS.len();
}
