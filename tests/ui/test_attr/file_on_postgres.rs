use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations");

#[schema_runtime::test(migrations = MIGRATIONS, file = true)]
async fn t(pool: sqlx::PgPool) {}

fn main() {
    let _ = MIGRATIONS.len();
}
