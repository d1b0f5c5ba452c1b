// A `PRAGMA foreign_keys = …` in a file that runs in the migration's transaction does nothing
// (SQLite ignores it there), but the file runs: the build goes on with a warning for each, shown
// by `cargo build` and kept for `schema verify`.
#![allow(deprecated)] // The warnings the macro emits are expected here.

use schema_runtime::Migrations;

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("foreign_keys_pragma");

fn main() {
    let notes = MIGRATIONS.check_notes();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(notes[0].starts_with(
        "foreign_keys_pragma/2_drop_born.sql:1:1: `PRAGMA foreign_keys` has no effect here: this file runs in the migration's transaction"
    ));
    assert!(notes[0].contains("put `-- no-transaction` at the top of the file"));
    assert!(notes[0].contains("or remove it"));
    assert!(notes[1].starts_with("foreign_keys_pragma/2_drop_born.sql:6:1: "));
    assert_eq!(MIGRATIONS.len(), 2);
}
