use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_every_problem_at_once");

fn main() {
    let _ = MIGRATIONS.len();
}
