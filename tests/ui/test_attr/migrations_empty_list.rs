use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations");

#[schema_runtime::test(migrations = [])]
async fn t(pool: sqlx::SqlitePool) {}

fn main() {
    let _ = MIGRATIONS.len();
}
