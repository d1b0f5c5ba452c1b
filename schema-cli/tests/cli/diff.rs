//! `schema diff`: the database's schema against the one its migrations make, on an SQLite
//! file and on the PostgreSQL server (with `--dev-url`), as text, as JSON, and by exit code.

use crate::postgres::{exec as pg_exec, pg_project, server_url};
use crate::support::{exec, Project};

const SHOP: &str = "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    qty INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX items_by_owner ON items (owner_id);
CREATE VIEW owner_names AS SELECT name FROM owners;
";

/// What changing the migrated database by hand leaves on both databases.
const BY_HAND: &str = "ALTER TABLE items ADD COLUMN note TEXT; DROP INDEX items_by_owner; \
                       DROP VIEW owner_names; CREATE TABLE stray (x INTEGER);";

fn shop() -> Project {
    let project = Project::new();
    project.write("1_shop.sql", SHOP);
    project
}

#[test]
fn diff_says_ok_and_exits_0_when_the_schema_is_the_migrations() {
    let project = shop();
    project.schema(&["up", "-q"]).code(0);
    let run = project.schema(&["diff"]).code(0);
    assert_eq!(
        run.stdout,
        "ok: the database's schema is the one its migrations make\n"
    );
    let json = project.schema(&["diff", "--json"]).code(0).json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["differences"], serde_json::json!([]));
}

#[test]
fn diff_lists_each_change_made_by_hand_and_exits_4() {
    let project = shop();
    project.schema(&["up", "-q"]).code(0);
    exec(&project.sqlite_file(), BY_HAND);
    let run = project.schema(&["diff"]).code(4);
    assert_eq!(
        run.stdout,
        "extra column `items.note`: the database has it, the migrations do not make it (text)
extra table `stray`: the database has it, the migrations do not make it (columns x)
missing view `owner_names`: the migrations make it, the database lacks it (select name from owners)
missing index `items_by_owner`: the migrations make it, the database lacks it (ON items USING btree (owner_id))

4 differences between the database and its migrations; a change made by hand belongs in a new migration
"
    );
    assert_eq!(run.stderr, "", "nothing about the in-memory database's run");
}

#[test]
fn diff_json_gives_each_difference_as_data() {
    let project = shop();
    project.schema(&["up", "-q"]).code(0);
    exec(
        &project.sqlite_file(),
        "ALTER TABLE items ADD COLUMN note TEXT",
    );
    let json = project.schema(&["diff", "--json"]).code(4).json();
    assert_eq!(
        json,
        serde_json::json!({
            "ok": false,
            "module": "default",
            "prefix": null,
            "differences": [{
                "change": "extra",
                "kind": "column",
                "name": "items.note",
                "attribute": null,
                "expected": null,
                "live": "text",
            }],
        })
    );
}

#[test]
fn diff_of_a_database_not_migrated_yet_lists_everything_missing() {
    let project = shop();
    let json = project.schema(&["diff", "--json"]).code(4).json();
    let missing: Vec<(&str, &str)> = json["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["change"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        missing,
        [
            ("missing", "items"),
            ("missing", "owners"),
            ("missing", "owner_names"),
            ("missing", "items_by_owner")
        ]
    );
}

#[test]
fn pg_diff_applies_the_migrations_to_a_scratch_database_on_the_dev_server() {
    let project = pg_project(None);
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    let dev = server_url();
    project.schema(&["diff", "--dev-url", &dev]).code(0);

    pg_exec(&project, BY_HAND);
    let run = project.schema(&["diff", "--dev-url", &dev]).code(4);
    assert!(
        run.stdout.contains("extra column `items.note`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("missing index `items_by_owner`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("4 differences"), "{}", run.stdout);

    // Without a dev database, PostgreSQL has nowhere to apply the migrations.
    let refused = project.schema(&["diff"]).code(1);
    assert!(
        refused.stderr.contains("no dev database was given")
            && refused
                .stderr
                .contains("hint: `schema diff --dev-url <URL>`"),
        "{}",
        refused.stderr
    );
}
