//! The example service: lists the migrations it embeds.
use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    for m in &MIGRATIONS {
        println!("{:>14} {:<6} {}", m.version, m.kind.as_str(), m.description);
    }
}
