// A folder years old builds unchanged: problems in old migrations are warnings (each shown by
// `cargo build`, and kept for `schema verify`), and the new ones are still judged in full.
#![allow(deprecated)] // The warnings the macro emits are expected here.

use schema_runtime::Migrations;

// By default every up is judged in full, and every down but the newest migration's is old: a
// down that forgets an index and one missing its `;` are warnings, and so is a down that adds a
// dropped column back at the end of its table.
static DOWNS: Migrations = schema_runtime::embed_migrations!("old_history");
// `old = <version>`: the migrations up to it are old, ups included. The import ran on a
// production server that had the table it reads; the check has no such table.
static IMPORT: Migrations = schema_runtime::embed_migrations!("old_import", old = 2);

fn main() {
    let notes = DOWNS.check_notes();
    assert_eq!(notes.len(), 3, "{notes:#?}");
    assert!(notes[0].starts_with("old_history/20210415093000_index_users.down.sql: reverting"));
    assert!(notes[0].contains("left behind: index `users_created_at`"));
    assert!(notes[1].starts_with(
        "old_history/20220110120000_drop_legacy_flag.down.sql: reverting `old_history/20220110120000_drop_legacy_flag.up.sql` restores table `users` with the columns in another order"
    ));
    assert!(notes[2].starts_with(
        "old_history/20230502080000_create_posts.down.sql:2:1: sqlite cannot apply this statement: syntax error near `DROP`"
    ));
    assert_eq!(DOWNS.len(), 10);

    let notes = IMPORT.check_notes();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].starts_with(
        "old_import/2_import_users.sql:2:53: sqlite cannot apply this statement: no such table `import_users`"
    ));
    assert!(notes[0].ends_with("migration 2 is old, at or before `old = 2`"));
    assert_eq!(IMPORT.len(), 3);
}
