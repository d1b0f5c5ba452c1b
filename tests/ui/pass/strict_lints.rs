// A crate that forbids unused imports and dead code, and denies every warning: what the macro
// writes allows nothing and leaves nothing unused (an `allow` under a `forbid` is an error), for
// a folder with a BOM file (`real_world`) and an ordinary one.
#![forbid(unused_imports, dead_code, unused)]
#![deny(warnings)]

use schema_runtime::Migrations;

static REAL_WORLD: Migrations = schema_runtime::embed_migrations!("real_world");
static PLAIN: Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    assert!(REAL_WORLD.iter().any(|m| m.description == "crlf_and_bom"));
    assert!(!PLAIN.is_empty());
}
