//! Folders as other tools write them, through the command: Flyway's repeatable migrations in
//! `status`, `up` and `history`, and a goose file's down run by `down`.

use crate::support::{tables, Project};
use serde_json::Value;

/// The `(description, repeatable, state)` of each entry of `status --json`.
fn entries(status: &Value) -> Vec<(String, bool, String)> {
    status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap().to_owned(),
                e["repeatable"].as_bool().unwrap_or(false),
                e["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn repeatable_migrations_show_as_r_and_apply_again_when_changed() {
    let project = Project::with_fixture("flyway");
    let up = project.schema(&["up"]).code(0);
    assert!(
        up.stdout
            .lines()
            .any(|l| l.starts_with("R ") && l.contains("pet_counts")),
        "{}",
        up.stdout
    );
    let status = project.schema(&["status"]).code(0);
    let rows: Vec<&str> = status
        .stdout
        .lines()
        .filter(|l| l.starts_with("R "))
        .collect();
    assert_eq!(rows.len(), 2, "{}", status.stdout);

    project.write(
        "R__pet_counts.sql",
        "DROP VIEW IF EXISTS pet_counts;\nCREATE VIEW pet_counts AS SELECT 1 AS pets;\n",
    );
    // Changed: pending, not drift.
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(
        entries(&status)[3],
        ("pet_counts".to_owned(), true, "pending".to_owned())
    );
    let applied = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(applied["applied"][0]["repeatable"], true);
    assert_eq!(applied["applied"].as_array().unwrap().len(), 1);

    // Removed: shown as missing, which is no drift and refuses nothing.
    std::fs::remove_file(project.migrations().join("R__names.sql")).unwrap();
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert!(
        entries(&status).contains(&("names".to_owned(), true, "missing".to_owned())),
        "{status}"
    );
    project.schema(&["verify"]).code(0);
    project.schema(&["up"]).code(0);
    let history = project.schema(&["history"]).code(0);
    let repeated = history
        .stdout
        .lines()
        .filter(|l| l.contains(" R ") && l.contains("pet_counts"))
        .count();
    assert_eq!(repeated, 2, "{}", history.stdout);
}

#[test]
fn a_goose_file_applies_its_up_and_down_reverts_it() {
    let project = Project::with_fixture("goose");
    project.schema(&["up"]).code(0);
    assert!(tables(&project.sqlite_file()).contains(&"notes".to_owned()));
    project.schema(&["down", "--to", "0"]).code(0);
    assert!(!tables(&project.sqlite_file()).contains(&"notes".to_owned()));
}

#[test]
fn down_to_zero_names_the_repeatable_migrations_it_leaves_applied() {
    let project = Project::new();
    project.write(
        "V1__create_people.up.sql",
        "CREATE TABLE people (id INTEGER PRIMARY KEY);\n",
    );
    project.write("V1__create_people.down.sql", "DROP TABLE people;\n");
    project.write(
        "R__app_version.sql",
        "DROP VIEW IF EXISTS app_version;\nCREATE VIEW app_version AS SELECT 3 AS version;\n",
    );
    project.schema(&["up"]).code(0);
    let down = project.schema(&["down", "--to", "0"]).code(0);
    assert!(
        down.stdout.contains(
            "still applied: repeatable migration `app_version` (a repeatable migration has no down"
        ),
        "{}",
        down.stdout
    );
    let json = project
        .schema(&["down", "--to", "0", "--json"])
        .code(0)
        .json();
    assert_eq!(json["reverted"].as_array().unwrap().len(), 0, "{json}");
    assert_eq!(json["kept_repeatable"][0], "app_version", "{json}");
    // `status` says the same: the versioned one pending, the repeatable one applied.
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(
        entries(&status),
        [
            ("create_people".to_owned(), false, "pending".to_owned()),
            ("app_version".to_owned(), true, "applied".to_owned())
        ]
    );
    assert!(tables(&project.sqlite_file()).iter().all(|t| t != "people"));
}
