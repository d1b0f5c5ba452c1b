// Real SQLite migrations that the build-time check applies, in order, each down right after its
// up: none of them may be a false error.
use schema_runtime::{Directive, Migrations};

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("sqlite");
static EXPLICIT: Migrations = schema_runtime::embed_migrations!("sqlite", dialect = "sqlite");

fn main() {
    assert_eq!(MIGRATIONS.len(), 26);
    assert_eq!(EXPLICIT.len(), 26);
    let vector = MIGRATIONS
        .iter()
        .find(|m| m.description == "vector_search")
        .expect("the opted-out file is embedded");
    assert_eq!(vector.directives, [Directive::NoCheck]);
    let maintenance = MIGRATIONS
        .iter()
        .find(|m| m.description == "maintenance")
        .expect("embedded");
    assert_eq!(maintenance.directives, [Directive::NoTransaction]);
    // Every down undoes its up, old or new: not even a warning.
    assert_eq!(MIGRATIONS.check_notes(), [] as [&str; 0]);
    assert_eq!(EXPLICIT.check_notes(), [] as [&str; 0]);
}
