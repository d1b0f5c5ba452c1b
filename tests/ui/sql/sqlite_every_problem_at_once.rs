use schema_runtime::Migrations;

// `old = none`: the downs of migrations 1 and 2 are judged in full too (by default only the
// newest migration's down is).
static MIGRATIONS: Migrations =
    schema_runtime::embed_migrations!("sqlite_every_problem_at_once", old = none);

fn main() {
    let _ = MIGRATIONS.len();
}
