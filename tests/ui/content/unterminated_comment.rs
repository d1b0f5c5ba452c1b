use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("unterminated_comment");

fn main() {
    let _ = MIGRATIONS.len();
}
