// `lint = "deny"` on PostgreSQL: squawk's rules, each finding an error of its own.
use schema_runtime::Migrations;

static MIGRATIONS: Migrations =
    schema_runtime::embed_migrations!("deny_postgres", dialect = "postgres", lint = "deny");

fn main() {
    let _ = MIGRATIONS.len();
}
