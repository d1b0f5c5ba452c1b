//! `schema diff --write <name>`: the fix migration written as files, in each direction, on an
//! SQLite file and on the PostgreSQL server; and what it refuses.

use crate::postgres::{exec as pg_exec, pg_project, server_url};
use crate::support::{exec, Project};
use schema_cli::clap::{self, Parser};

const SHOP: &str = "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    qty INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX items_by_owner ON items (owner_id);
";

fn shop() -> Project {
    let project = Project::new();
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    project
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn write_needs_a_direction() {
    let project = shop();
    exec(
        &project.sqlite_file(),
        "ALTER TABLE items ADD COLUMN note TEXT",
    );
    let run = project.schema(&["diff", "--write", "note"]).code(1);
    assert!(
        run.stderr
            .contains("cannot write a fix migration: say which way it goes: `--to-expected`")
            && run.stderr.contains("`--from-live`"),
        "{}",
        run.stderr
    );
    assert_eq!(names(&project.migrations()), ["1_shop.sql"]);
    // Both at once is a usage error.
    project
        .schema(&["diff", "--write", "x", "--to-expected", "--from-live"])
        .code(2);
}

#[test]
fn from_live_appends_a_pair_records_it_and_leaves_no_drift() {
    let project = shop();
    exec(
        &project.sqlite_file(),
        "ALTER TABLE items ADD COLUMN note TEXT; CREATE INDEX items_by_qty ON items (qty);",
    );
    let run = project
        .schema(&["diff", "--write", "add note", "--from-live", "--json"])
        .code(0);
    let json = run.json();
    assert_eq!(json["direction"], "from-live");
    let files = names(&project.migrations());
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files[1].ends_with("_add_note.down.sql") && files[2].ends_with("_add_note.up.sql"));
    let up = std::fs::read_to_string(project.migrations().join(&files[2])).unwrap();
    assert!(
        up.contains("ALTER TABLE items ADD COLUMN note TEXT;"),
        "{up}"
    );
    assert!(
        up.contains("CREATE INDEX items_by_qty ON items (qty);"),
        "{up}"
    );
    let version = json["recorded"].as_i64().unwrap();
    // Recorded as applied here: nothing pending, no drift.
    project.schema(&["status"]).code(0);
    project.schema(&["diff"]).code(0);
    // A fresh database gets the change from the file.
    let fresh = Project::new();
    std::fs::remove_dir_all(fresh.path()).ok();
    crate::support::copy_dir(&project.migrations(), &fresh.migrations());
    fresh.schema(&["up", "-q"]).code(0);
    fresh.schema(&["diff"]).code(0);
    // Its down undoes the recorded change.
    project.schema(&["down", "-q"]).code(0);
    let diff = project.schema(&["diff", "--json"]).code(4).json();
    assert_eq!(diff["differences"].as_array().unwrap().len(), 2, "{diff}");
    assert!(version > 1);
}

#[test]
fn to_expected_writes_a_folder_of_its_own_that_undoes_the_drift() {
    let project = shop();
    exec(
        &project.sqlite_file(),
        "DROP INDEX items_by_owner; ALTER TABLE items ADD COLUMN note TEXT;",
    );
    let run = project
        .schema(&["diff", "--write", "undo", "--to-expected"])
        .code(0);
    let fix = project.path().join("migrations-fix");
    let files = names(&fix);
    assert_eq!(files[0], "1_live_schema.sql", "{files:?}");
    assert!(
        files[1].starts_with("2_undo.") && files[2].starts_with("2_undo."),
        "{files:?}"
    );
    assert!(run.stdout.contains("schema --source"), "{}", run.stdout);
    // The migrations folder is untouched.
    assert_eq!(names(&project.migrations()), ["1_shop.sql"]);
    // Applied as the output says.
    let source = fix.to_string_lossy().into_owned();
    project
        .schema(&["--source", &source, "--module", "fix_undo", "baseline", "1"])
        .code(0);
    project
        .schema(&["--source", &source, "--module", "fix_undo", "up", "-q"])
        .code(0);
    project.schema(&["diff"]).code(0);
    // A second fix needs another folder.
    exec(&project.sqlite_file(), "CREATE TABLE stray (x INTEGER)");
    let refused = project
        .schema(&["diff", "--write", "again", "--to-expected"])
        .code(1);
    assert!(
        refused.stderr.contains("is not empty"),
        "{}",
        refused.stderr
    );
}

#[test]
fn write_refuses_pending_migrations_and_says_when_there_is_nothing_to_write() {
    let project = shop();
    let run = project
        .schema(&["diff", "--write", "nothing", "--from-live"])
        .code(0);
    assert!(run.stdout.contains("nothing to write"), "{}", run.stdout);
    assert_eq!(names(&project.migrations()), ["1_shop.sql"]);
    project.write("2_more.sql", "CREATE TABLE more (x INTEGER);");
    let refused = project
        .schema(&["diff", "--write", "x", "--from-live"])
        .code(1);
    assert!(
        refused
            .stderr
            .contains("not at the end of its migrations: 2 (pending)"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_rebuild_is_written_as_a_no_transaction_file_with_the_foreign_keys_off() {
    let project = shop();
    exec(
        &project.sqlite_file(),
        "CREATE TABLE items_new (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT, qty INTEGER NOT NULL DEFAULT 1);
         INSERT INTO items_new SELECT * FROM items; DROP TABLE items; ALTER TABLE items_new RENAME TO items;
         CREATE INDEX items_by_owner ON items (owner_id);",
    );
    project
        .schema(&["diff", "--write", "restrict", "--from-live"])
        .code(0);
    let files = names(&project.migrations());
    let up = std::fs::read_to_string(project.migrations().join(&files[2])).unwrap();
    assert!(up.starts_with("-- no-transaction\n"), "{up}");
    for line in [
        "PRAGMA foreign_keys = OFF;",
        "BEGIN;",
        "ALTER TABLE items__new RENAME TO items;",
        "PRAGMA foreign_key_check;",
        "COMMIT;",
        "PRAGMA foreign_keys = ON;",
    ] {
        assert!(up.contains(line), "{line} missing:\n{up}");
    }
    project.schema(&["down", "-q"]).code(0);
    project.schema(&["up", "-q"]).code(0);
    project.schema(&["diff"]).code(0);
}

#[test]
fn pg_from_live_and_to_expected() {
    let dev = server_url();
    let project = pg_project(None);
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    pg_exec(
        &project,
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5; CREATE INDEX items_by_qty ON items (qty) WHERE qty > 0;",
    );
    let fix_dir = project.path().join("fix-1").to_string_lossy().into_owned();
    project
        .schema(&[
            "diff",
            "--dev-url",
            &dev,
            "--write",
            "undo",
            "--to-expected",
            "--fix-dir",
            &fix_dir,
        ])
        .code(0);
    let files = names(std::path::Path::new(&fix_dir));
    let up = std::fs::read_to_string(std::path::Path::new(&fix_dir).join(&files[2])).unwrap();
    assert!(
        up.contains("ALTER TABLE items ALTER COLUMN qty SET DEFAULT 1;"),
        "{up}"
    );
    assert!(up.contains("DROP INDEX items_by_qty;"), "{up}");
    // Recorded instead: the folder gets the change, the database records it.
    project
        .schema(&["diff", "--dev-url", &dev, "--write", "keep", "--from-live"])
        .code(0);
    project.schema(&["diff", "--dev-url", &dev]).code(0);
    project.schema(&["status"]).code(0);
}

/// A module embedded with its table prefix, mounted by an application. The folder is the root
/// package's fixture, watched by that package's build script, not by this one's.
#[allow(deprecated)]
static CALENDAR: schema_runtime::Migrations = schema_runtime::embed_migrations!(
    "../tests/fixtures/drift_module",
    module = "calendar",
    prefix = "calendar_"
);

#[tokio::test]
async fn a_modules_fix_touches_only_its_objects_and_the_mounted_commands_do_not_write() {
    use schema_runtime::introspect::Direction;
    let dir = tempfile::tempdir().unwrap();
    let pool = crate::support::sqlite_pool(dir.path()).await;
    sqlx::raw_sql("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        .execute(&pool)
        .await
        .unwrap();
    CALENDAR.run(&pool).await.unwrap();
    sqlx::raw_sql(
        "ALTER TABLE calendar_events ADD COLUMN place TEXT; CREATE TABLE stray (x INTEGER)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let compared = CALENDAR
        .migrator()
        .compare_schemas(&pool, None)
        .await
        .unwrap();
    let fix = compared.migration(Direction::FromLive);
    assert!(
        fix.up
            .sql
            .contains("ALTER TABLE calendar_events ADD COLUMN place TEXT;"),
        "{}",
        fix.up.sql
    );
    assert!(
        !fix.up.sql.contains("users") && !fix.up.sql.contains("stray"),
        "{}",
        fix.up.sql
    );
    // An embedded set has no folder to write to.
    let app = App::try_parse_from([
        "myapp",
        "migrate",
        "diff",
        "--write",
        "x",
        "--from-live",
        "-q",
    ])
    .unwrap();
    let AppCommand::Migrate(migrate) = app.command;
    let code = schema_cli::run_embedded(&CALENDAR, &pool, migrate).await;
    assert_eq!(code, std::process::ExitCode::from(1));
}

#[derive(Debug, schema_cli::clap::Parser)]
#[command(name = "myapp")]
struct App {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Debug, schema_cli::clap::Subcommand)]
enum AppCommand {
    /// The migration commands.
    Migrate(schema_cli::Migrate),
}
