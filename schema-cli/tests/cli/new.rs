//! `schema new` on SQLite: the file names it makes, and the folder they make with `up`.

use crate::support::{states, tables, versions, Project};

#[test]
fn new_then_up_then_status_on_an_empty_folder() {
    let project = Project::new();
    let first = project
        .schema(&["new", "create users", "--json"])
        .code(0)
        .json();
    let files = first["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let file = files[0].as_str().unwrap();
    let name = file.strip_prefix("migrations/").unwrap();
    assert!(name.ends_with("_create_users.sql"), "{name}");
    assert_eq!(
        name.len(),
        "YYYYMMDDHHMMSS_create_users.sql".len(),
        "{name}"
    );
    std::fs::write(
        project.path().join(file),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    )
    .unwrap();

    let second = project
        .schema(&["new", "add_posts", "--reversible", "--json"])
        .code(0)
        .json();
    assert!(second["version"].as_i64() > first["version"].as_i64());
    let pair: Vec<&str> = second["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(pair[0].ends_with("_add_posts.up.sql") && pair[1].ends_with("_add_posts.down.sql"));
    std::fs::write(
        project.path().join(pair[0]),
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n",
    )
    .unwrap();
    std::fs::write(project.path().join(pair[1]), "DROP TABLE posts;\n").unwrap();

    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(status["pending"], 2);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(
        versions(&up["applied"]),
        vec![
            first["version"].as_i64().unwrap(),
            second["version"].as_i64().unwrap()
        ]
    );
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert!(
        states(&status).iter().all(|(_, s)| s == "applied"),
        "{status}"
    );
    assert_eq!(
        tables(&project.sqlite_file())[..2],
        ["_schema_history", "_schema_migrations"]
    );
}

#[test]
fn new_sequential_continues_the_highest_version_zero_padded_like_the_files() {
    let padded = Project::with_fixture("fifty");
    let created = padded
        .schema(&["new", "extra", "--sequential", "--json"])
        .code(0)
        .json();
    assert_eq!(created["version"], 51);
    assert_eq!(created["files"][0], "migrations/051_extra.sql");

    let empty = Project::new();
    let created = empty
        .schema(&["new", "first", "--sequential", "--reversible", "--json"])
        .code(0)
        .json();
    assert_eq!(created["files"][0], "migrations/1_first.up.sql");
    assert_eq!(created["files"][1], "migrations/1_first.down.sql");
    let next = empty.schema(&["new", "second", "-s"]).code(0);
    assert_eq!(next.stdout, "created migrations/2_second.sql\n");
}

#[test]
fn new_refuses_a_name_that_is_not_a_file_name() {
    let project = Project::new();
    let run = project.schema(&["new", "../escape"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: `../escape` cannot name a migration"),
        "{}",
        run.stderr
    );
    assert!(!project.migrations().join("..").join("escape.sql").exists());
}

#[test]
fn new_sequential_in_a_diesel_folder_refuses_a_version_that_would_sort_first() {
    let project = Project::new();
    project.write("9_a/up.sql", "CREATE TABLE a (x INTEGER);");
    project.write("9_a/down.sql", "DROP TABLE a;");
    let run = project.schema(&["new", "b", "--sequential"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: the new migration's version `10` sorts before the folder's `9`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(as `09`)"), "{}", run.stderr);
    assert!(!project.migrations().join("10_b").exists());
    // Zero-padded folders leave room for the next number.
    let project = Project::new();
    project.write("08_a/up.sql", "CREATE TABLE a (x INTEGER);");
    project.write("08_a/down.sql", "DROP TABLE a;");
    let run = project.schema(&["new", "b", "--sequential"]).code(0);
    assert_eq!(
        run.stdout,
        "created migrations/09_b/up.sql\ncreated migrations/09_b/down.sql\n"
    );
}

/// The names `schema new … --json` created, each under `migrations/`.
fn created(project: &Project, args: &[&str]) -> Vec<String> {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    all.push("--json");
    let json = project.schema(&all).code(0).json();
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let f = f.as_str().unwrap();
            f.strip_prefix("migrations/").unwrap().to_owned()
        })
        .collect()
}

#[test]
fn new_in_a_flyway_folder_writes_the_next_flyway_name() {
    let project = Project::new();
    project.write("V1__init.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    project.write(
        "V2__add_b.sql",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
    );
    project.write(
        "R__a_ids.sql",
        "DROP VIEW IF EXISTS a_ids;\nCREATE VIEW a_ids AS SELECT id FROM a;\n",
    );
    assert_eq!(created(&project, &["add c"]), ["V3__add_c.sql"]);
    project.write(
        "V3__add_c.sql",
        "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
    );
    assert_eq!(
        created(&project, &["add_d", "--reversible"]),
        ["V4__add_d.up.sql", "V4__add_d.down.sql"]
    );
    project.write(
        "V4__add_d.up.sql",
        "CREATE TABLE d (id INTEGER PRIMARY KEY);\n",
    );
    project.write("V4__add_d.down.sql", "DROP TABLE d;\n");
    // The folder the names make is one the tool reads: every file applies, and reverts.
    let up = project.schema(&["up", "--json"]).code(0).json();
    let mut applied = versions(&up["applied"]);
    applied.retain(|v| *v > 0);
    assert_eq!(applied, [1, 2, 3, 4]);
    project.schema(&["down"]).code(0);
    assert!(!tables(&project.sqlite_file()).contains(&"d".to_owned()));
}

#[test]
fn new_in_a_flyway_folder_pads_like_its_files_and_keeps_a_timestamp_line() {
    let padded = Project::new();
    padded.write(
        "V001__init.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    );
    assert_eq!(created(&padded, &["next"]), ["V002__next.sql"]);

    let refinery = Project::new();
    refinery.write("U7__init.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    assert_eq!(created(&refinery, &["next"]), ["U8__next.sql"]);

    // Versions that are dates stay dates: the new one is now, after the newest.
    let dated = Project::new();
    dated.write(
        "V20200101120000__init.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    );
    let name = created(&dated, &["next"]).remove(0);
    let version: i64 = name
        .strip_prefix('V')
        .and_then(|rest| rest.strip_suffix("__next.sql"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(version > 20250101000000, "{name}");

    // Only repeatable migrations: a Flyway folder, counted from 1.
    let repeatables = Project::new();
    repeatables.write("R__one.sql", "SELECT 1;\n");
    assert_eq!(created(&repeatables, &["first"]), ["V1__first.sql"]);

    // An sqlx folder keeps sqlx's names.
    let sqlx = Project::new();
    sqlx.write("1_init.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    assert_eq!(created(&sqlx, &["next", "--sequential"]), ["2_next.sql"]);
}
