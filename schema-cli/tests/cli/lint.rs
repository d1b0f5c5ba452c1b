//! `schema lint`: text and `--json`, exit codes, the files it picks (every file, those after the
//! database's newest applied version, those changed since a git ref), the allow lists; on
//! SQLite, on PostgreSQL, on the example service's folder and on a real PostgreSQL folder.

use crate::postgres::pg_project;
use crate::support::{run_schema, Project};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The rules of each finding of a `--json` run, as `version rule`.
fn findings(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["version"], f["rule"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_example_service_has_two_notes_and_no_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let run = run_schema(&root, None, &["lint"]).code(0);
    assert_eq!(
        run.stdout,
        "\
migrations/20250105130000_index_open_tasks_by_due_date.sql:4:1: note index-on-existing-table: builds an index on table `tasks`, which an earlier migration created and may hold many rows
  |
4 | CREATE INDEX IF NOT EXISTS tasks_open_due_idx ON tasks (due_at) WHERE done = 0;
  | ^
  help: build it when writes are few, or check the table's size first; an index on a table the same file creates costs nothing

migrations/20250106140000_add_task_priority.sql:4:1: note index-on-existing-table: builds an index on table `tasks`, which an earlier migration created and may hold many rows
  |
4 | CREATE INDEX tasks_project_priority_idx ON tasks (project_id, priority, due_at);
  | ^
  help: build it when writes are few, or check the table's size first; an index on a table the same file creates costs nothing

0 errors, 0 warnings, 2 notes in every migration
"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn an_error_level_finding_exits_with_5_and_shows_file_line_column_and_the_alternative() {
    let project = Project::with_fixture("lint_sqlite");
    let run = run_schema(project.path(), None, &["lint"]).code(5);
    assert!(
        run.stdout.starts_with(
            "migrations/2_add_age.sql:2:19: error add-column-not-null-without-default: adds column \
             `age` to table `users` as `NOT NULL` without a default\n  |\n2 | ALTER TABLE users ADD \
             COLUMN age INTEGER NOT NULL;\n  |                   ^\n  help: give the column a \
             constant default (`NOT NULL DEFAULT 0`), or add it nullable and fill it\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("1 error, 1 warning, 1 note in every migration\n"),
        "{}",
        run.stdout
    );
    let json = run_schema(project.path(), None, &["lint", "--json"])
        .code(5)
        .json();
    assert_eq!(
        findings(&json),
        [
            "2 add-column-not-null-without-default",
            "3 index-on-existing-table",
            "4 drop-column"
        ]
    );
    assert_eq!(
        (&json["errors"], &json["warnings"], &json["notes"]),
        (&Value::from(1), &Value::from(1), &Value::from(1))
    );
    let first = &json["findings"][0];
    assert_eq!(first["file"], "migrations/2_add_age.sql");
    assert_eq!((&first["line"], &first["column"]), (&2.into(), &19.into()));
    assert_eq!(first["level"], "error");
    assert!(first["alternative"]
        .as_str()
        .unwrap()
        .contains("constant default"));
}

#[test]
fn warnings_and_notes_alone_exit_with_0_and_allowed_rules_are_not_shown() {
    let project = Project::with_fixture("lint_sqlite");
    let json = run_schema(
        project.path(),
        None,
        &[
            "lint",
            "--json",
            "--allow",
            "add-column-not-null-without-default",
            "--allow",
            "drop-column",
        ],
    )
    .code(0)
    .json();
    assert_eq!(findings(&json), ["3 index-on-existing-table"]);
    // A file's own allow line, which leaves its checksum as it was.
    project.write(
        "2_add_age.sql",
        "-- schema: allow(add-column-not-null-without-default)\n-- Applies on an empty table, fails on one with rows.\nALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n",
    );
    let json = run_schema(project.path(), None, &["lint", "--json"])
        .code(0)
        .json();
    assert_eq!(
        findings(&json),
        ["3 index-on-existing-table", "4 drop-column"]
    );
    let run = run_schema(project.path(), None, &["lint", "--allow", "drop-colum"]).code(1);
    assert_eq!(
        run.stderr,
        "error: `--allow drop-colum` names no lint rule; `schema lint` shows each finding's rule, and docs/lints.md lists them all\n"
    );
}

#[test]
fn an_applied_file_that_gains_an_allow_line_still_boots_without_a_mismatch() {
    let project = Project::with_fixture("lint_sqlite");
    project.schema(&["up"]).code(0);
    let original = std::fs::read_to_string(project.migrations().join("4_drop_name.sql")).unwrap();
    project.write(
        "4_drop_name.sql",
        &format!("-- schema: allow(drop-column)\n{original}"),
    );
    project.schema(&["verify"]).code(0);
    project.schema(&["up"]).code(0);
    let json = project.schema(&["lint", "--all", "--json"]).code(5).json();
    assert!(!findings(&json).contains(&"4 drop-column".to_owned()));
}

#[test]
fn with_a_database_only_the_migrations_after_its_newest_applied_one_are_linted() {
    let project = Project::with_fixture("lint_sqlite");
    // A database that does not exist yet has applied nothing: every file is linted.
    let json = project.schema(&["lint", "--json"]).code(5).json();
    assert_eq!(json["scope"], "all");
    assert_eq!(findings(&json).len(), 3);
    project.schema(&["up", "--to", "2"]).code(0);
    let run = project.schema(&["lint", "--json"]).code(0);
    let json = run.json();
    assert_eq!(json["scope"], "after");
    assert_eq!(json["after_version"], 2);
    assert_eq!(
        findings(&json),
        ["3 index-on-existing-table", "4 drop-column"]
    );
    let text = project.schema(&["lint"]).code(0);
    assert!(
        text.stdout
            .ends_with("0 errors, 1 warning, 1 note in the migrations after version 2\n"),
        "{}",
        text.stdout
    );
    // `--all` lints the applied files too.
    let json = project.schema(&["lint", "--all", "--json"]).code(5).json();
    assert_eq!(findings(&json).len(), 3);
    project.schema(&["up"]).code(0);
    let json = project.schema(&["lint", "--json"]).code(0).json();
    assert_eq!(findings(&json), Vec::<String>::new());
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn since_a_git_ref_only_the_files_added_or_changed_after_it_are_linted() {
    let project = Project::with_fixture("lint_sqlite");
    std::fs::remove_file(project.migrations().join("4_drop_name.sql")).unwrap();
    git(project.path(), &["init", "-q"]);
    git(project.path(), &["add", "migrations"]);
    git(project.path(), &["commit", "-q", "-m", "first"]);
    git(project.path(), &["tag", "released"]);
    // A new file, not yet tracked, and a committed one that changes.
    project.write("4_drop_name.sql", "ALTER TABLE users DROP COLUMN name;\n");
    project.write(
        "5_index.sql",
        "CREATE INDEX users_email ON users (email);\n",
    );
    git(project.path(), &["add", "migrations/5_index.sql"]);
    git(project.path(), &["commit", "-q", "-m", "second"]);
    let json = run_schema(
        project.path(),
        None,
        &["lint", "--since", "released", "--json"],
    )
    .code(0)
    .json();
    assert_eq!(json["scope"], "since");
    assert_eq!(
        findings(&json),
        ["4 drop-column", "5 index-on-existing-table"]
    );
    // An edit of an old file counts as a change.
    project.write(
        "2_add_age.sql",
        "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;\n",
    );
    let json = run_schema(project.path(), None, &["lint", "--since", "HEAD", "--json"])
        .code(5)
        .json();
    assert_eq!(
        findings(&json),
        ["2 add-column-not-null-without-default", "4 drop-column"]
    );
    let run = run_schema(project.path(), None, &["lint", "--since", "no-such-ref"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: cannot list the files changed since `no-such-ref` with `git diff"),
        "{}",
        run.stderr
    );
}

#[test]
fn postgres_only_the_migrations_after_the_newest_applied_one_are_linted() {
    let project = pg_project(Some("lint_postgres"));
    let json = project.schema(&["lint", "--json"]).code(5).json();
    assert_eq!(json["dialect"], "postgres");
    assert_eq!(
        findings(&json),
        [
            "2 adding-required-field",
            "3 require-concurrent-index-creation"
        ]
    );
    project.schema(&["up", "--to", "2"]).code(0);
    let run = project.schema(&["lint"]).code(0);
    assert!(
        run.stdout.starts_with(
            "migrations/3_index_email.sql:1:1: warning require-concurrent-index-creation: "
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("0 errors, 1 warning, 0 notes in the migrations after version 2\n"),
        "{}",
        run.stdout
    );
    project.schema(&["up"]).code(0);
    let json = project.schema(&["lint", "--json"]).code(0).json();
    assert_eq!(findings(&json), Vec::<String>::new());
}

#[test]
fn a_real_postgresql_folder_has_its_expected_findings() {
    // atuin's sync server's migrations, as the crate ships them: valid, applied for years, so
    // warnings only (types, locks, drops), and not one error.
    let project = Project::with_fixture("real/atuin-server-postgres");
    let json = run_schema(
        project.path(),
        None,
        &["lint", "--dialect", "postgres", "--json"],
    )
    .code(0)
    .json();
    let mut counts = std::collections::BTreeMap::new();
    for f in json["findings"].as_array().unwrap() {
        *counts
            .entry(f["rule"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    let counts: Vec<(String, i32)> = counts.into_iter().collect();
    let expected = [
        ("ban-drop-column", 1),
        ("ban-drop-default", 3),
        ("ban-drop-table", 2),
        ("changing-column-type", 2),
        ("prefer-bigint-over-int", 1),
        ("prefer-identity", 11),
        ("prefer-text-field", 6),
        ("prefer-timestamp-tz", 8),
        ("require-concurrent-index-creation", 3),
    ];
    let expected: Vec<(String, i32)> = expected.iter().map(|(r, n)| (r.to_string(), *n)).collect();
    assert_eq!(counts, expected);
    assert_eq!(
        (&json["errors"], &json["warnings"]),
        (&0.into(), &37.into())
    );
}
