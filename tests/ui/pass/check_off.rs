// `check = false` embeds a folder whose SQL neither dialect's check would accept.
use schema_runtime::Migrations;

static SQLITE: Migrations = schema_runtime::embed_migrations!("check_off", check = false);
static POSTGRES: Migrations =
    schema_runtime::embed_migrations!("check_off", dialect = "postgres", check = false);

fn main() {
    assert_eq!(SQLITE.len(), 2);
    assert_eq!(POSTGRES.len(), 2);
}
