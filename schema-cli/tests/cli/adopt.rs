//! Adopting and mending SQLite databases: `baseline`, `repair`, `import-sqlx` and
//! `import-versions`.

use crate::support::{block_on, exec, sqlx_migrate, states, versions, Project};

#[test]
fn baseline_marks_versions_as_applied_without_running_them() {
    let project = Project::with_fixture("basic");
    exec(
        &project.sqlite_file(),
        &[10, 20]
            .map(|v| {
                let name = if v == 10 {
                    "10_create_users.sql"
                } else {
                    "20_create_posts.sql"
                };
                std::fs::read_to_string(project.migrations().join(name)).unwrap()
            })
            .join("\n"),
    );
    let baseline = project.schema(&["baseline", "20", "--json"]).code(0).json();
    assert_eq!(versions(&baseline["marked"]), [10, 20]);
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(
        states(&status),
        [
            (10, "baseline".to_owned()),
            (20, "baseline".to_owned()),
            (30, "pending".to_owned())
        ]
    );
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [30]);
    project.schema(&["verify"]).code(0);
    let history = project.schema(&["history", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["event"], "baseline");
}

#[test]
fn up_applies_beside_an_unrelated_table_of_another_tool_when_told_to() {
    let project = Project::with_fixture("basic");
    exec(
        &project.sqlite_file(),
        "CREATE TABLE schema_migrations (version BIGINT); INSERT INTO schema_migrations VALUES (1);",
    );
    // golang-migrate's table name, in the layout dbmate, Rails and Ecto keep: both imports named.
    let refused = project.schema(&["up"]).code(1);
    assert!(
        refused.stderr.contains("`schema import golang-migrate`")
            && refused
                .stderr
                .contains("`schema import-versions schema_migrations` adopts dbmate's")
            && refused
                .stderr
                .contains("`import(Import::versions_table(\"schema_migrations\"))`"),
        "{}",
        refused.stderr
    );
    let up = project
        .schema(&["up", "--ignore-other-tools", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&up["applied"]), [10, 20, 30]);
}

#[test]
fn repair_resolves_a_failed_no_transaction_migration() {
    let project = Project::new();
    project.write(
        "1_create_items.sql",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    );
    project.write(
        "2_unique_names.sql",
        "-- no-transaction\nCREATE INDEX items_name_idx ON items (name);\nCREATE UNIQUE INDEX items_name_key ON items (name);\n",
    );
    project.schema(&["up", "--to", "1"]).code(0);
    exec(
        &project.sqlite_file(),
        "INSERT INTO items (name) VALUES ('a'), ('a');",
    );

    let failed = project.schema(&["up"]).code(1);
    assert!(
        failed.stderr.starts_with(
            "error: migrations/2_unique_names.sql:3:1: statement 2 of migration 2 failed"
        ),
        "{}",
        failed.stderr
    );
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert_eq!(states(&status)[1], (2, "failed".to_owned()));
    let verify = project.schema(&["verify"]).code(4);
    assert!(
        verify
            .stdout
            .contains("then mark it resolved with `repair 2`"),
        "{}",
        verify.stdout
    );
    let refused = project.schema(&["up"]).code(1);
    assert!(
        refused.stderr.contains("`schema repair 2`"),
        "{}",
        refused.stderr
    );

    // Put right by hand, then tell the tool.
    exec(
        &project.sqlite_file(),
        "DELETE FROM items WHERE id = 2; CREATE UNIQUE INDEX items_name_key ON items (name);",
    );
    let repaired = project.schema(&["repair", "2", "--json"]).code(0).json();
    assert_eq!(repaired["repaired"], 2);
    project.schema(&["status"]).code(0);
    project.schema(&["up"]).code(0);
    let history = project.schema(&["history", "--json"]).code(0).json();
    let events: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["apply", "failure", "repair"]);
}

/// A project whose migration 2, a `-- no-transaction` file, failed at its second statement
/// (duplicate names) after its first ran.
fn failed_unique_names() -> Project {
    let project = Project::new();
    project.write(
        "1_create_items.sql",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE log (n INTEGER);\n",
    );
    project.write(
        "2_unique_names.sql",
        "-- no-transaction\nINSERT INTO log VALUES (1);\nCREATE UNIQUE INDEX items_name_key ON items (name);\nINSERT INTO log VALUES (3);\n",
    );
    project.schema(&["up", "--to", "1"]).code(0);
    exec(
        &project.sqlite_file(),
        "INSERT INTO items (name) VALUES ('a'), ('a');",
    );
    project.schema(&["up", "--quiet"]).code(1);
    project
}

#[test]
fn resume_runs_the_statements_of_a_failed_migration_that_did_not_complete() {
    let project = failed_unique_names();
    let status = project.schema(&["status"]).code(4);
    assert!(
        status.stdout.contains("(1 of 3 statements ran)"),
        "{}",
        status.stdout
    );
    let verify = project.schema(&["verify"]).code(4);
    assert!(
        verify.stdout.contains("run the rest with `resume`"),
        "{}",
        verify.stdout
    );
    exec(&project.sqlite_file(), "DELETE FROM items WHERE id = 2;");
    let resumed = project.schema(&["resume", "--json"]).code(0).json();
    assert_eq!(versions(&resumed["applied"]), [2]);
    let rows = block_on(async {
        let pool = sqlx::SqlitePool::connect(&project.url).await.unwrap();
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM log ORDER BY rowid")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    });
    assert_eq!(rows, [1, 3], "statement 1 ran once");
    project.schema(&["verify"]).code(0);
}

#[test]
fn repair_refuses_a_file_edited_since_it_failed_unless_allow_edited() {
    let project = failed_unique_names();
    project.write(
        "2_unique_names.sql",
        "-- no-transaction\nINSERT INTO log VALUES (1);\nCREATE INDEX items_name_idx ON items (name);\nINSERT INTO log VALUES (3);\n",
    );
    let refused = project.schema(&["repair", "2"]).code(1);
    assert!(
        refused.stderr.contains("it was edited since"),
        "{}",
        refused.stderr
    );
    project.schema(&["resume"]).code(1);
    project.schema(&["repair", "2", "--allow-edited"]).code(0);
    project.schema(&["up"]).code(0);
}

#[test]
fn import_sqlx_adopts_a_database_that_sqlx_migrated() {
    let project = Project::with_fixture("basic");
    sqlx_migrate(&project);
    // Without adopting, `up` refuses to run the migrations sqlx applied a second time.
    let refused = project.schema(&["up", "--no-adopt"]).code(1);
    assert!(
        refused.stderr.starts_with(
            "error: module `default` has no migration recorded, but `_sqlx_migrations` (sqlx's history) holds 3 rows"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(
            "`schema up` without `--no-adopt` adopts it; `schema import sqlx` adopts its history"
        ),
        "{}",
        refused.stderr
    );
    project.schema(&["up", "--dry-run", "--no-adopt"]).code(1);
    let imported = project.schema(&["import-sqlx", "--json"]).code(0).json();
    assert_eq!(versions(&imported["imported"]), [10, 20, 30]);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), Vec::<i64>::new());
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert!(
        states(&status).iter().all(|(_, s)| s == "applied"),
        "{status}"
    );
    let again = project.schema(&["import-sqlx"]).code(0);
    assert!(
        again.stdout.starts_with("nothing to import"),
        "{}",
        again.stdout
    );

    // A file changed after sqlx applied it is refused, before anything is recorded.
    let other = Project::with_fixture("basic");
    sqlx_migrate(&other);
    other.use_fixture("basic_modified");
    let refused = other.schema(&["import-sqlx"]).code(1);
    assert!(
        refused
            .stderr
            .starts_with("error: migrations/20_create_posts.sql: sqlx applied migration 20"),
        "{}",
        refused.stderr
    );
    other.schema(&["status"]).code(3);
}

#[test]
fn import_versions_reads_a_legacy_table() {
    let project = Project::with_fixture("basic");
    exec(&project.sqlite_file(), "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (10), (20);");
    let imported = project
        .schema(&["import-versions", "schema_version", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&imported["imported"]), [10, 20]);
    project.schema(&["status"]).code(3);
}

#[test]
fn verify_says_a_running_row_was_interrupted_or_is_being_applied_not_failed() {
    let project = Project::with_fixture("basic");
    project.schema(&["up"]).code(0);
    exec(
        &project.sqlite_file(),
        "UPDATE _schema_migrations SET status = 'running', statements_done = 0, statements_total = 1 WHERE version = 30;",
    );
    let verify = project.schema(&["verify"]).code(4);
    assert!(
        verify.stdout.starts_with(
            "failed: migrations/30_add_users_bio.sql: migration 30 was being applied by a process that stopped before it finished"
        ),
        "{}",
        verify.stdout
    );
    assert!(
        !verify.stdout.contains("recorded as failed"),
        "{}",
        verify.stdout
    );
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert_eq!(status["migrations"][2]["interrupted"], true, "{status}");

    // While a run holds the lock, the row is a run in progress, not a problem.
    let mut lock_path = project.sqlite_file().into_os_string();
    lock_path.push("-schema-lock");
    let lock = std::fs::File::create(lock_path).unwrap();
    lock.lock().unwrap();
    let verify = project.schema(&["verify"]).code(0);
    assert!(
        verify.stdout.starts_with(
            "running: migrations/30_add_users_bio.sql: migration 30 is being applied by another process now"
        ),
        "{}",
        verify.stdout
    );
}
