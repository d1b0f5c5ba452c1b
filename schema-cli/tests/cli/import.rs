//! Adopting another tool's history on SQLite: `up` adopting sqlx's by itself, and `import
//! <TOOL>`, `import-versions` with a status column and `import-files` for the rest.

use crate::support::{exec, sqlx_migrate, states, versions, Project};

/// The `basic` fixture's first two files run by hand, as another tool ran them.
fn tool_applied_two(project: &Project) {
    let sql: Vec<String> = ["10_create_users.sql", "20_create_posts.sql"]
        .iter()
        .map(|name| std::fs::read_to_string(project.migrations().join(name)).unwrap())
        .collect();
    exec(&project.sqlite_file(), &sql.join("\n"));
}

#[test]
fn up_adopts_a_database_sqlx_migrated_and_applies_the_rest() {
    let project = Project::with_fixture("basic");
    sqlx_migrate(&project);
    project.use_fixture("basic_plus");
    let dry_run = project
        .schema(&["up", "--dry-run", "--json"])
        .code(0)
        .json();
    assert_eq!(dry_run["plan"].as_array().unwrap().len(), 1, "{dry_run}");
    let up = project.schema(&["up"]).code(0);
    assert!(
        up.stdout
            .starts_with("adopted 3 migrations from `_sqlx_migrations` (sqlx): 10, 20, 30\n"),
        "{}",
        up.stdout
    );
    assert!(
        up.stdout.contains("applied 1 migration in"),
        "{}",
        up.stdout
    );
    let again = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(again["adopted"], serde_json::Value::Null);
    assert_eq!(versions(&again["applied"]), Vec::<i64>::new());
    project.schema(&["verify"]).code(0);
    let history = project.schema(&["history", "--json"]).code(0).json();
    let first = &history["events"][0];
    assert_eq!(first["event"], "import");
    assert_eq!(
        first["detail"],
        "applied by sqlx, as `_sqlx_migrations` records"
    );
}

#[test]
fn up_json_reports_the_adoption() {
    let project = Project::with_fixture("basic");
    sqlx_migrate(&project);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(up["adopted"]["tool"], "sqlx");
    assert_eq!(up["adopted"]["from"], "_sqlx_migrations");
    assert_eq!(versions(&up["adopted"]["imported"]), [10, 20, 30]);
    assert_eq!(up["already_applied"], 3);
}

#[test]
fn import_goose_reads_goose_db_version() {
    let project = Project::with_fixture("basic");
    tool_applied_two(&project);
    exec(
        &project.sqlite_file(),
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (10, 1), (20, 1);",
    );
    // A run does not adopt goose's history by itself: it names the import.
    let refused = project.schema(&["up"]).code(1);
    assert!(
        refused
            .stderr
            .contains("`schema import goose` adopts its history"),
        "{}",
        refused.stderr
    );
    let imported = project.schema(&["import", "goose"]).code(0);
    assert_eq!(
        imported.stdout,
        "imported 2 migrations from `goose_db_version` (goose): 10, 20\n"
    );
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [30]);
}

#[test]
fn import_golang_migrate_refuses_a_dirty_database() {
    let project = Project::with_fixture("basic");
    tool_applied_two(&project);
    exec(
        &project.sqlite_file(),
        "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
         INSERT INTO schema_migrations VALUES (20, 1);",
    );
    let refused = project.schema(&["import", "golang-migrate"]).code(1);
    assert!(
        refused.stderr.starts_with(
            "error: `schema_migrations` records migration 20 as not completed (`dirty` is true)"
        ),
        "{}",
        refused.stderr
    );
    project.schema(&["status"]).code(3);
    exec(
        &project.sqlite_file(),
        "UPDATE schema_migrations SET dirty = 0;",
    );
    let imported = project
        .schema(&["import", "golang-migrate", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&imported["imported"]), [10, 20]);
}

#[test]
fn import_flyway_checks_flyways_checksums_and_skips_repeatable_migrations() {
    let project = Project::with_fixture("basic");
    tool_applied_two(&project);
    // Flyway's checksums of the two files (CRC-32 without line endings, computed apart).
    exec(
        &project.sqlite_file(),
        r#"CREATE TABLE "app_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL);
           INSERT INTO app_history VALUES (1, '10', 'create users', 'SQL', 'V10__create_users.sql', -719487199, 'app', '2021-03-04 05:06:07.250', 8, 1),
                                          (2, '20', 'create posts', 'SQL', 'V20__create_posts.sql', 1484120022, 'app', '2021-03-05 06:07:08', 5, 1),
                                          (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'app', '2021-03-05 06:07:09', 1, 1);"#,
    );
    let imported = project
        .schema(&["import", "flyway", "--table", "app_history"])
        .code(0);
    assert_eq!(
        imported.stdout,
        "imported 2 migrations from `app_history` (Flyway): 10, 20\nskipped `R__views.sql`: a repeatable migration\n"
    );
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(
        status["migrations"][0]["applied_at"],
        "2021-03-04T05:06:07.250Z"
    );
    assert_eq!(status["migrations"][0]["duration_ms"], 8);
}

#[test]
fn import_versions_reads_a_status_column() {
    let project = Project::with_fixture("basic");
    tool_applied_two(&project);
    exec(
        &project.sqlite_file(),
        "CREATE TABLE db_version (v INTEGER, state TEXT); INSERT INTO db_version VALUES (10, 'done'), (20, 'done'), (30, 'reverted');",
    );
    let args = [
        "import-versions",
        "db_version",
        "--version-column",
        "v",
        "--status-column",
        "state",
    ];
    let imported = project.schema(&args).code(0);
    assert_eq!(
        imported.stdout,
        "imported 2 migrations from `db_version`: 10, 20\n"
    );
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(states(&status)[2], (30, "pending".to_owned()));

    let other = Project::with_fixture("basic");
    exec(
        &other.sqlite_file(),
        "CREATE TABLE db_version (v INTEGER, state TEXT); INSERT INTO db_version VALUES (10, 'halfway');",
    );
    let refused = other.schema(&args).code(1);
    assert!(
        refused.stderr.starts_with(
            "error: `db_version` holds the status `halfway` in `state`, which says neither applied nor not applied"
        ),
        "{}",
        refused.stderr
    );
    let named = [&args[..], &["--applied-value", "done"]].concat();
    let imported = other.schema(&named).code(0);
    assert!(
        imported.stdout.starts_with("nothing to import"),
        "{}",
        imported.stdout
    );
}

#[test]
fn import_files_matches_a_hand_written_tracker_by_file_name() {
    let project = Project::with_fixture("basic");
    tool_applied_two(&project);
    exec(
        &project.sqlite_file(),
        "CREATE TABLE _migrations (id INTEGER PRIMARY KEY, filename TEXT NOT NULL, applied_at TEXT NOT NULL);
         INSERT INTO _migrations (filename, applied_at) VALUES ('10_create_users.sql', '2021-03-04 05:06:07'), ('20_create_posts.sql', '2021-03-05 06:07:08');",
    );
    let imported = project
        .schema(&["import-files", "_migrations", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&imported["imported"]), [10, 20]);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [30]);
    let history = project.schema(&["history", "--json"]).code(0).json();
    assert_eq!(history["events"][1]["at"], "2021-03-05T06:07:08.000Z");
}
