use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("plugin", prefix = "calendar_", after = ["after_unresolvable"]);

fn main() {
    let _ = MIGRATIONS.len();
}
