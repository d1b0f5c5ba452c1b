//! The command on real SQLite files in temporary folders: apply, revert, plan, inspect, and
//! the exit codes.

use crate::support::{block_on, dump, run_schema, states, tables, versions, Project};
use sqlx::{Connection, SqliteConnection};

#[test]
fn up_down_up_round_trip_leaves_the_same_schema() {
    let project = Project::with_fixture("reversible");
    project.schema(&["up"]).code(0);
    let migrated = dump(&project.sqlite_file());
    assert_eq!(migrated.len(), 5, "{migrated:?}");

    let one = project.schema(&["down", "--json"]).code(0).json();
    assert_eq!(versions(&one["reverted"]), [3]);
    let all = project
        .schema(&["down", "--to", "0", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&all["reverted"]), [2, 1]);
    assert!(dump(&project.sqlite_file()).is_empty());
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(status["pending"], 3);

    project.schema(&["up", "--json"]).code(0);
    assert_eq!(dump(&project.sqlite_file()), migrated);
    let history = project.schema(&["history", "--json"]).code(0).json();
    let events: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["apply", "apply", "apply", "revert", "revert", "revert", "apply", "apply", "apply"]
    );
}

#[test]
fn down_counts_migrations_and_progress_names_each_file() {
    let project = Project::with_fixture("reversible");
    let up = project.schema(&["up"]).code(0);
    assert!(
        up.stderr
            .contains("applied migrations/2_create_books.up.sql ("),
        "{}",
        up.stderr
    );
    assert!(
        up.stdout.contains("applied 3 migrations in"),
        "{}",
        up.stdout
    );
    let down = project.schema(&["down", "2"]).code(0);
    assert!(
        down.stderr
            .contains("reverted migrations/2_create_books.down.sql ("),
        "{}",
        down.stderr
    );
    let quiet = project.schema(&["up", "--quiet"]).code(0);
    assert_eq!(quiet.stderr, "");
}

#[test]
fn down_past_a_forward_only_migration_reverts_nothing() {
    let project = Project::with_fixture("forward_only_middle");
    project.schema(&["up"]).code(0);
    let run = project.schema(&["down", "--to", "0"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: migrations/2_create_books.sql: migration 2 is forward only"),
        "{}",
        run.stderr
    );
    let status = project.schema(&["status", "--json"]).code(0).json();
    assert_eq!(status["pending"], 0);
}

#[test]
fn up_to_stops_at_the_target_version() {
    let project = Project::with_fixture("basic");
    let up = project
        .schema(&["up", "--to", "20", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&up["applied"]), [10, 20]);
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert_eq!(states(&status)[2], (30, "pending".to_owned()));
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let project = Project::with_fixture("basic");
    // On a file that does not exist yet: everything is planned, nothing is created.
    let plan = project
        .schema(&["up", "--dry-run", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&plan["plan"]), [10, 20, 30]);
    assert!(!project.sqlite_file().exists());

    project.schema(&["up", "--to", "10"]).code(0);
    let before = (dump(&project.sqlite_file()), tables(&project.sqlite_file()));
    let history = project.schema(&["history", "--json"]).code(0).json();
    let plan = project
        .schema(&["up", "--dry-run", "--json"])
        .code(0)
        .json();
    assert_eq!(versions(&plan["plan"]), [20, 30]);
    assert_eq!(plan["plan"][0]["file"], "migrations/20_create_posts.sql");
    assert!(plan["plan"][0]["sql"]
        .as_str()
        .unwrap()
        .contains("CREATE TABLE posts"));
    assert_eq!(plan["plan"][0]["no_transaction"], false);
    let text = project.schema(&["up", "--dry-run"]).code(0);
    assert!(
        text.stdout.contains(
            "-- 30 migrations/30_add_users_bio.sql\nALTER TABLE users ADD COLUMN bio TEXT;"
        ),
        "{}",
        text.stdout
    );

    assert_eq!(
        (dump(&project.sqlite_file()), tables(&project.sqlite_file())),
        before
    );
    assert_eq!(
        project.schema(&["history", "--json"]).code(0).json(),
        history
    );
    project.schema(&["status"]).code(3);
}

#[test]
fn status_exits_3_when_pending_and_4_on_drift() {
    let project = Project::with_fixture("basic");
    project.schema(&["status"]).code(3);
    project.schema(&["up"]).code(0);
    project.schema(&["status"]).code(0);
    project.schema(&["verify"]).code(0);

    project.use_fixture("basic_modified");
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert_eq!(status["drift"], 1);
    assert!(
        states(&status).contains(&(20, "modified".to_owned())),
        "{status}"
    );
    let verify = project.schema(&["verify", "--json"]).code(4).json();
    assert_eq!(verify["ok"], false);
    assert_eq!(versions(&verify["problems"]), [20]);
    let text = project.schema(&["verify"]).code(4);
    assert!(
        text.stdout.starts_with(
            "modified: migrations/20_create_posts.sql: migration 20 was applied with another checksum"
        ),
        "{}",
        text.stdout
    );

    project.use_fixture("basic_missing");
    let status = project.schema(&["status", "--json"]).code(4).json();
    assert!(
        states(&status).contains(&(30, "missing".to_owned())),
        "{status}"
    );
    project.schema(&["verify"]).code(4);

    // Pending alone is not drift for `verify`.
    project.use_fixture("basic_plus");
    project.schema(&["status"]).code(3);
    let verify = project.schema(&["verify", "--json"]).code(0).json();
    assert_eq!(verify["checked"], 3);
}

#[test]
fn module_and_table_prefix_choose_the_tracking_rows() {
    let project = Project::with_fixture("basic");
    let args = ["--module", "billing", "--table-prefix", "app"];
    project.schema(&[&args[..], &["up"]].concat()).code(0);
    let status = project
        .schema(&[&args[..], &["status", "--json"]].concat())
        .code(0)
        .json();
    assert_eq!(status["module"], "billing");
    let names = tables(&project.sqlite_file());
    assert!(names.contains(&"app_migrations".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"_schema_migrations".to_owned()),
        "{names:?}"
    );
    // Another module of the same database has nothing applied.
    project.schema(&["--table-prefix", "app", "status"]).code(3);
}

#[test]
fn a_bad_folder_prints_each_problem_with_its_file_and_exits_1() {
    let project = Project::new();
    project.write("abc.sql", "SELECT 1;");
    project.write("1_a.sql", "SELECT 1;");
    project.write("01_b.sql", "SELECT 1;");
    for args in [&["status"][..], &["up", "--json"], &["new", "next"]] {
        let run = project.schema(args).code(1);
        if args.contains(&"--json") {
            // Scripts reading stdout get a document on failure too.
            let error = run.json();
            assert_eq!(error["exit_code"], 1);
            assert_eq!(error["problems"].as_array().unwrap().len(), 2, "{error}");
            assert!(error["error"]
                .as_str()
                .unwrap()
                .starts_with("migrations folder `migrations` has 2 problems"));
        } else {
            assert_eq!(run.stdout, "");
        }
        assert!(
            run.stderr
                .contains("error: migrations/abc.sql: not a migration name"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(
                "error: migrations/1_a.sql: version 1 is already used by `migrations/01_b.sql`"
            ),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.ends_with(
                "error: migrations folder `migrations` has 2 problems; nothing was done\n"
            ),
            "{}",
            run.stderr
        );
    }
    assert!(!project.sqlite_file().exists());
}

#[test]
fn errors_exit_1_and_usage_errors_exit_2() {
    let project = Project::with_fixture("basic");
    let run = run_schema(project.path(), None, &["status"]).code(1);
    assert_eq!(
        run.stderr,
        "error: no database given; pass `--database-url <URL>` or set `DATABASE_URL`\n"
    );
    let run = project
        .schema(&["--database-url", "mysql://localhost/app", "status"])
        .code(1);
    assert!(
        run.stderr.starts_with("error: unsupported database URL"),
        "{}",
        run.stderr
    );
    let run = project.schema(&["down"]).code(1);
    assert!(
        run.stderr.starts_with("error: database file `"),
        "{}",
        run.stderr
    );
    let run = project.schema(&["--source", "nowhere", "status"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: migrations folder `nowhere` not found"),
        "{}",
        run.stderr
    );

    let run = project
        .schema(&["--database-url", "sqlite:nodir/app.db", "up"])
        .code(1);
    assert!(
        run.stderr.starts_with(
            "error: the folder `nodir` of the database file `nodir/app.db` does not exist"
        ),
        "{}",
        run.stderr
    );
    let run = project
        .schema(&["--database-url", "sqlite:", "status"])
        .code(1);
    assert!(
        run.stderr
            .starts_with("error: the database URL `sqlite:` names no file"),
        "{}",
        run.stderr
    );
    std::fs::write(
        project.path().join("notes.txt"),
        "not a database, just some text\n".repeat(200),
    )
    .unwrap();
    let run = project
        .schema(&["--database-url", "sqlite:notes.txt", "status"])
        .code(1);
    assert!(
        run.stderr
            .starts_with("error: `notes.txt` is not an SQLite database"),
        "{}",
        run.stderr
    );

    project.schema(&["bogus"]).code(2);
    project.schema(&["up", "--to", "ten"]).code(2);
    project.schema(&["down", "2", "--to", "10"]).code(2);
    project.schema(&[]).code(2);
    project.schema(&["--help"]).code(0);
}

#[test]
fn up_agrees_with_status_about_a_tracking_row_deleted_by_hand() {
    let project = Project::with_fixture("basic");
    project.schema(&["up"]).code(0);
    // The habit other tools teach: undo the last migration by hand, delete its row, run again.
    block_on(async {
        let mut conn =
            SqliteConnection::connect(&format!("sqlite:{}", project.sqlite_file().display()))
                .await
                .unwrap();
        sqlx::raw_sql(
            "ALTER TABLE users DROP COLUMN bio; DELETE FROM _schema_migrations WHERE version = 30;",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    });
    let status = project.schema(&["status", "--json"]).code(3).json();
    assert!(
        states(&status).contains(&(30, "pending".to_owned())),
        "{status}"
    );
    let up = project.schema(&["up", "--json"]).code(0).json();
    assert_eq!(versions(&up["applied"]), [30], "{up}");
    project.schema(&["status"]).code(0);
}
