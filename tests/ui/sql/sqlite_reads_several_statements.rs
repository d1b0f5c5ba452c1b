use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite_reads_several_statements");

fn main() {
    let _ = MIGRATIONS.len();
}
