//! The command on a real PostgreSQL server: `SCHEMA_TEST_DATABASE_URL`, set by
//! `scripts/with-postgres`. Each test gets a database of its own. Without the server these
//! tests fail; they never pass by skipping.

use crate::support::{block_on, sqlx_migrate, states, versions, Project};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) fn server_url() -> String {
    std::env::var("SCHEMA_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("SCHEMA_TEST_DATABASE_URL is not set: run the tests with `scripts/with-postgres cargo test -p schema-cli`, which starts PostgreSQL")
    })
}

/// A project whose database is a fresh PostgreSQL database.
pub(crate) fn pg_project(fixture: Option<&str>) -> Project {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = server_url();
    let name = format!(
        "cli_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    block_on(async {
        let mut admin = PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test server at {server}: {e}"));
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();
    });
    let mut project = match fixture {
        Some(fixture) => Project::with_fixture(fixture),
        None => Project::new(),
    };
    let (base, _) = server.rsplit_once('/').unwrap();
    project.url = format!("{base}/{name}");
    project
}

/// Runs `sql` (several statements) in the project's database.
pub(crate) fn exec(project: &Project, sql: &str) {
    block_on(async {
        let mut conn = PgConnection::connect(&project.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    })
}

/// The catalog of the `public` schema without the tracking tables: every column, index,
/// view and constraint, one line each.
fn catalog(project: &Project) -> Vec<String> {
    block_on(async {
        let mut conn = PgConnection::connect(&project.url).await.unwrap();
        let rows: Vec<String> = sqlx::query_scalar(
            r"SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name NOT LIKE '\_schema%'
              UNION ALL
              SELECT 'index ' || indexdef FROM pg_indexes
               WHERE schemaname = 'public' AND tablename NOT LIKE '\_schema%'
              UNION ALL
              SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
              UNION ALL
              SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
                FROM pg_constraint
               WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '\_schema%'
              ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        rows
    })
}

#[test]
fn pg_new_then_up_then_status_on_an_empty_folder() {
    let project = pg_project(None);
    let new = project
        .schema(&["new", "create_users", "--reversible", "--json"])
        .code(0)
        .json();
    let up_file = new["files"][0].as_str().unwrap();
    let down_file = new["files"][1].as_str().unwrap();
    std::fs::write(
        project.path().join(up_file),
        "CREATE TABLE users (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n",
    )
    .unwrap();
    std::fs::write(project.path().join(down_file), "DROP TABLE users;\n").unwrap();
    project.schema(&["status"]).code(3);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [new["version"].as_i64().unwrap()]);
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert_eq!(states(&status)[0].1, "applied");
}

#[test]
fn pg_up_down_up_round_trip_leaves_the_same_catalog() {
    let project = pg_project(Some("reversible"));
    let before = catalog(&project);
    assert!(before.is_empty(), "{before:?}");
    project.schema(&["up"]).code(0);
    let migrated = catalog(&project);
    assert!(
        migrated.iter().any(|l| l.starts_with("view book_scores")),
        "{migrated:?}"
    );

    let down = project
        .schema(&["down", "--to", "1", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&down["reverted"]), [3, 2]);
    project.schema(&["down", "--json"]).code(0);
    assert_eq!(catalog(&project), before);
    project.schema(&["status"]).code(3);

    project.schema(&["up"]).code(0);
    assert_eq!(catalog(&project), migrated);
    project.schema(&["verify"]).code(0);
}

#[test]
fn pg_dry_run_changes_nothing_and_status_exit_codes() {
    let project = pg_project(Some("basic"));
    let plan = project
        .schema(&["up", "--dry-run", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&plan["plan"]), [10, 20, 30]);
    assert!(catalog(&project).is_empty());
    project.schema(&["history", "--json"]).code(0);

    project.schema(&["up", "--to", "20"]).code(0);
    let applied = catalog(&project);
    let plan = project
        .schema(&["up", "--dry-run", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&plan["plan"]), [30]);
    assert_eq!(catalog(&project), applied);
    project.schema(&["status"]).code(3);

    project.schema(&["up"]).code(0);
    project.schema(&["status"]).code(0);
    project.use_fixture("basic_modified");
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert!(
        states(&status).contains(&(20, "modified".to_owned())),
        "{status}"
    );
    project.schema(&["verify"]).code(4);
    project.use_fixture("basic_missing");
    let verify = project.schema(&["verify", "--json"]).code(4).json();
    assert_eq!(versions(&verify["problems"]), [30]);
}

#[test]
fn pg_baseline_marks_versions_as_applied_without_running_them() {
    let project = pg_project(Some("basic"));
    exec(
        &project,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);",
    );
    let baseline = project.schema(&["baseline", "10", "--json"]).code(0).json();
    assert_eq!(versions(&baseline["marked"]), [10]);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [20, 30]);
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert_eq!(states(&status)[0], (10, "baseline".to_owned()));
}

#[test]
fn pg_resume_names_the_invalid_index_to_drop_then_finishes_the_migration() {
    let project = pg_project(Some("pg_no_tx_failing"));
    let failed = project.schema(&["up", "--quiet"]).code(1);
    let leftover = "index `users_email_key` was left INVALID by the failed statement; drop it (`DROP INDEX CONCURRENTLY users_email_key`) before retrying";
    assert!(failed.stderr.contains(leftover), "{}", failed.stderr);
    exec(&project, "DELETE FROM users WHERE id = 3;");
    let refused = project.schema(&["resume"]).code(1);
    assert!(refused.stderr.contains(leftover), "{}", refused.stderr);
    exec(&project, "DROP INDEX users_email_key;");
    let resumed = project.schema(&["resume", "--json"]).code(0).json();
    assert_eq!(versions(&resumed["applied"]), [2]);
    project.schema(&["verify"]).code(0);
}

#[test]
fn pg_repair_resolves_a_failed_no_transaction_migration() {
    let project = pg_project(Some("pg_no_tx_failing"));
    let failed = project.schema(&["up", "--quiet"]).code(1);
    assert!(
        failed.stderr.starts_with(
            "error: migrations/2_unique_email.sql:3:1: statement 2 of migration 2 failed"
        ),
        "{}",
        failed.stderr
    );
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert_eq!(
        states(&status),
        [(1, "applied".to_owned()), (2, "failed".to_owned())]
    );
    let refused = project.schema(&["up"]).code(1);
    assert!(
        refused.stderr.contains("`schema repair 2`"),
        "{}",
        refused.stderr
    );

    // A failed `CREATE UNIQUE INDEX CONCURRENTLY` leaves an invalid index behind.
    exec(
        &project,
        "DROP INDEX IF EXISTS users_email_key; DELETE FROM users WHERE id = 3;
         CREATE UNIQUE INDEX users_email_key ON users (email);",
    );
    project.schema(&["repair", "2"]).code(0);
    project.schema(&["status"]).code(0);
    let history = project.schema(&["history", "--json"]).code(0).json();
    let events: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["apply", "failure", "repair"]);
}

#[test]
fn pg_import_sqlx_adopts_a_database_that_sqlx_migrated() {
    let project = pg_project(Some("basic"));
    sqlx_migrate(&project);
    let imported = project.schema(&["import-sqlx", "--json"]).code(0).json();
    assert_eq!(versions(&imported["imported"]), [10, 20, 30]);
    project.schema(&["status"]).code(0);
    project.schema(&["verify"]).code(0);
    let history = project.schema(&["history", "--json"]).code(0).json();
    assert_eq!(history["events"][0]["event"], "import");
}

#[test]
fn pg_up_adopts_a_database_sqlx_migrated_then_import_reads_goose() {
    let project = pg_project(Some("basic"));
    sqlx_migrate(&project);
    project.use_fixture("basic_plus");
    project.schema(&["up", "--no-adopt"]).code(1);
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["adopted"]["imported"]), [10, 20, 30]);
    assert_eq!(versions(&up["applied"]), [40]);
    project.schema(&["verify"]).code(0);

    // goose's table, as goose creates it on PostgreSQL, beside another module.
    let other = pg_project(Some("basic"));
    exec(
        &other,
        "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now());
         INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (0, TRUE, '2021-03-04 05:06:07'), (10, TRUE, '2021-03-04 05:06:07');
         CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);",
    );
    let imported = other.schema(&["import", "goose", "--json"]).code(0).json();
    assert_eq!(versions(&imported["imported"]), [10]);
    let status = other.schema(&["status", "--json"]).code(3).json();
    assert_eq!(
        status["migrations"][0]["applied_at"],
        "2021-03-04T05:06:07.000Z"
    );
    assert_eq!(states(&status)[1], (20, "pending".to_owned()));
}

#[test]
fn pg_modules_lists_every_module_with_its_state() {
    let project = pg_project(Some("modules_core"));
    crate::support::copy_dir(
        &crate::support::fixture_dir("modules_calendar"),
        &project.path().join("calendar"),
    );
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    project
        .schema(&["--module", "calendar", "--source", "calendar", "up", "-q"])
        .code(0);
    project
        .schema(&["--module", "calendar", "--source", "calendar", "down", "-q"])
        .code(0);
    let list = project
        .schema(&[
            "--module", "calendar", "--source", "calendar", "modules", "--json",
        ])
        .code(0)
        .json();
    let modules = list["modules"].as_array().unwrap();
    let shown: Vec<(&str, i64, i64, Option<i64>)> = modules
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["version"].as_i64().unwrap(),
                m["applied"].as_i64().unwrap(),
                m["pending"].as_i64(),
            )
        })
        .collect();
    assert_eq!(shown, [("calendar", 1, 1, Some(1)), ("core", 2, 2, None)]);
    assert!(modules[1]["last_applied"].as_str().unwrap().ends_with('Z'));
}
