// Real PostgreSQL migrations: each file must parse, none may be a false error.
use schema_runtime::{Directive, Migrations};

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("postgres", dialect = "postgres");

fn main() {
    assert_eq!(MIGRATIONS.len(), 24);
    let no_transaction = MIGRATIONS
        .iter()
        .filter(|m| m.directives == [Directive::NoTransaction])
        .count();
    assert_eq!(no_transaction, 3);
    assert_eq!(MIGRATIONS.check_notes(), [] as [&str; 0]);
}
