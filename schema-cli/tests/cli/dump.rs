//! `schema dump`: the live schema printed as SQL that makes it again, as the model with
//! `--json`, and the schema the migrations make with `--expected`, on an SQLite file and on
//! the PostgreSQL server.

use crate::postgres::{exec as pg_exec, pg_project, server_url};
use crate::support::{exec, Project};

pub(crate) const SHOP: &str =
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(200) UNIQUE);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES items (id),
    qty INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX items_by_owner ON items (owner_id);
CREATE VIEW owner_names AS SELECT name FROM owners;
";

fn shop() -> Project {
    let project = Project::new();
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    project
}

#[test]
fn dump_prints_the_schema_as_sql_without_the_tracking_tables() {
    let project = shop();
    let run = project.schema(&["dump"]).code(0);
    assert_eq!(
        run.stdout,
        "CREATE TABLE items (
    id integer,
    owner_id integer NOT NULL,
    parent_id integer,
    qty integer DEFAULT (1) NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE ON UPDATE NO ACTION,
    FOREIGN KEY (parent_id) REFERENCES items (id) ON DELETE NO ACTION ON UPDATE NO ACTION
);
CREATE TABLE owners (
    id integer,
    name text NOT NULL,
    email character varying(200),
    PRIMARY KEY (id),
    UNIQUE (email)
);
CREATE INDEX items_by_owner ON items (owner_id);
CREATE VIEW owner_names AS select name from owners;
"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn the_dump_applied_to_an_empty_database_gives_the_same_dump_and_no_drift() {
    let project = shop();
    let sql = project.schema(&["dump"]).code(0).stdout;
    // A database made from the dump alone, with the same migrations folder: its schema is
    // the one the migrations make, so it dumps the same and `diff` finds nothing.
    let copy = Project::new();
    copy.write("1_shop.sql", SHOP);
    exec(&copy.sqlite_file(), &sql);
    assert_eq!(copy.schema(&["dump"]).code(0).stdout, sql);
    copy.schema(&["diff"]).code(0);
}

#[test]
fn dump_json_is_the_model_and_expected_is_what_the_migrations_make() {
    let project = shop();
    exec(
        &project.sqlite_file(),
        "ALTER TABLE items ADD COLUMN note TEXT",
    );
    let json = project.schema(&["dump", "--json"]).code(0).json();
    let tables: Vec<&str> = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["items", "owners"]);
    let items = &json["tables"][0];
    assert_eq!(items["columns"][4]["name"], "note");
    assert_eq!(items["foreign_keys"][0]["references"], "owners");
    assert_eq!(json["indexes"][0]["name"], "items_by_owner");

    let live = project.schema(&["dump"]).code(0).stdout;
    let expected = project.schema(&["dump", "--expected"]).code(0).stdout;
    assert!(live.contains("    note text,\n"), "{live}");
    assert!(!expected.contains("note"), "{expected}");
    assert_eq!(expected, live.replace("    note text,\n", ""));
}

#[test]
fn dump_reads_a_database_without_a_migrations_folder() {
    let project = Project::new();
    exec(&project.sqlite_file(), "CREATE TABLE notes (body TEXT)");
    let run = project.schema(&["dump"]).code(0);
    assert_eq!(run.stdout, "CREATE TABLE notes (\n    body text\n);\n");
    // `--expected` needs the migrations.
    let refused = project.schema(&["dump", "--expected"]).code(1);
    assert!(refused.stderr.contains("migrations"), "{}", refused.stderr);
}

#[test]
fn pg_dump_prints_the_server_schema_and_expected_needs_a_dev_database() {
    let project = pg_project(None);
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    pg_exec(&project, "ALTER TABLE items ADD COLUMN note text");
    let live = project.schema(&["dump"]).code(0).stdout;
    assert!(
        live.contains("CREATE TABLE items (\n    id integer NOT NULL,\n"),
        "{live}"
    );
    assert!(live.contains("    note text,\n"), "{live}");
    assert!(
        live.contains("ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE"),
        "{live}"
    );
    assert!(
        !live.contains("_schema"),
        "tracking tables left out: {live}"
    );

    let refused = project.schema(&["dump", "--expected"]).code(1);
    assert!(
        refused.stderr.contains("no dev database was given"),
        "{}",
        refused.stderr
    );
    let dev = server_url();
    let expected = project
        .schema(&["dump", "--expected", "--dev-url", &dev])
        .code(0)
        .stdout;
    assert!(!expected.contains("note"), "{expected}");
    assert_eq!(expected, live.replace("    note text,\n", ""));
}
