// `lint = "deny"` builds when every finding is allowed: by the file's `-- schema: allow(…)`
// line (left out of its checksum) and by `lint_allow`. A note (the index on an existing table)
// is `schema lint`'s alone. The same folder with `lint = false`, and with the default, builds too.
use schema_runtime::Migrations;

static DENIED: Migrations = schema_runtime::embed_migrations!(
    "lint_allowed",
    lint = "deny",
    lint_allow = ["rename-table"],
);

#[allow(deprecated)] // The default shows `rename-table` as a warning.
static WARNED: Migrations = schema_runtime::embed_migrations!("lint_allowed");

static OFF: Migrations = schema_runtime::embed_migrations!("lint_allowed", lint = false);

fn main() {
    assert_eq!(DENIED.len(), 2);
    assert_eq!(WARNED.len(), 2);
    assert_eq!(OFF.len(), 2);
    // The allow line is not part of the checksum: the file is tracked as without it.
    let with_line = DENIED.iter().nth(1).unwrap();
    assert!(with_line.legacy_checksum.is_some());
}
