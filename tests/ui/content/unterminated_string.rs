use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("unterminated_string");

fn main() {
    let _ = MIGRATIONS.len();
}
