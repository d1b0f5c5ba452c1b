//! `--module` (and `--prefix`, the module's table prefix) with the commands
//! `modules.rs` leaves out: `diff`, `dump`, `diagram`, `lint`, `advise`, `import`, `new`; each on
//! a database the core and the calendar plugin share, as two modules.

use crate::modules::core_and_calendar;
use crate::support::{exec, run_schema, states, Project};
use serde_json::Value;

/// The calendar's module, folder and prefix, then `args`.
pub(crate) fn calendar<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [
        &[
            "--module",
            "calendar",
            "--source",
            "calendar",
            "--prefix",
            "calendar_",
        ][..],
        args,
    ]
    .concat()
}

/// The core (from `migrations/`) and the calendar (from `calendar/`) applied to one database.
fn shared() -> Project {
    let project = core_and_calendar();
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    project.schema(&calendar(&["up", "-q"])).code(0);
    project
}

/// The `name` of every item of `list` in a `--json` document.
fn names<'v>(json: &'v Value, list: &str) -> Vec<&'v str> {
    json[list]
        .as_array()
        .unwrap_or_else(|| panic!("no `{list}` in {json}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

#[test]
fn diff_compares_the_modules_own_objects() {
    let project = shared();
    let run = project.schema(&calendar(&["diff"])).code(0);
    assert_eq!(
        run.stdout,
        "ok: the database's schema is the one its migrations make (module `calendar`, objects `calendar_*`)\n"
    );
    // A change by hand to the calendar's table shows; one to the core's does not.
    exec(
        &project.sqlite_file(),
        "CREATE INDEX calendar_events_by_title ON calendar_events (title);
         CREATE INDEX users_by_name ON users (name);",
    );
    let drift = project
        .schema(&calendar(&["diff", "--json"]))
        .code(4)
        .json();
    let text = drift["differences"].to_string();
    assert!(text.contains("calendar_events_by_title"), "{drift}");
    assert!(!text.contains("users"), "{drift}");
    assert_eq!(drift["module"], "calendar");
}

#[test]
fn dump_and_diagram_show_the_modules_own_objects() {
    let project = shared();
    let dump = project
        .schema(&calendar(&["dump", "--json"]))
        .code(0)
        .json();
    assert_eq!(names(&dump, "tables"), ["calendar_events"]);
    assert_eq!(names(&dump, "indexes"), ["calendar_events_by_user"]);
    let expected = project
        .schema(&calendar(&["dump", "--expected", "--json"]))
        .code(0)
        .json();
    assert_eq!(expected, dump);
    let sql = project.schema(&calendar(&["dump"])).code(0).stdout;
    assert!(
        sql.contains("calendar_events") && !sql.contains("conversations"),
        "{sql}"
    );
    // Without `--prefix`, the prefix the calendar's runs recorded in the database.
    let recorded = project
        .schema(&["--module", "calendar", "dump", "--json"])
        .code(0)
        .json();
    assert_eq!(names(&recorded, "tables"), ["calendar_events"]);

    let diagram = project.schema(&calendar(&["diagram"])).code(0).stdout;
    assert!(
        diagram.contains("(module `calendar`, objects `calendar_*`)"),
        "{diagram}"
    );
    assert!(
        diagram.contains("calendar_events") && !diagram.contains("conversations"),
        "{diagram}"
    );
}

#[test]
fn lint_with_a_database_reads_what_the_module_applied() {
    let project = core_and_calendar();
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    project
        .schema(&calendar(&["up", "--to", "1", "-q"]))
        .code(0);
    let rules = |json: &Value| -> Vec<String> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["file"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                )
            })
            .collect()
    };
    // The calendar applied 1: only its 2 is linted; the core's 2, applied, is not.
    let json = project
        .schema(&calendar(&["lint", "--json"]))
        .code(0)
        .json();
    assert_eq!(
        rules(&json),
        ["calendar/2_index_events.up.sql index-on-existing-table"]
    );
    project.schema(&calendar(&["up", "-q"])).code(0);
    let json = project
        .schema(&calendar(&["lint", "--json"]))
        .code(0)
        .json();
    assert_eq!(rules(&json), Vec::<String>::new());
    // A module that applied nothing of the folder: every file.
    let json = project
        .schema(&[
            "--module", "fresh", "--source", "calendar", "lint", "--json",
        ])
        .code(0)
        .json();
    assert_eq!(
        rules(&json),
        ["calendar/2_index_events.up.sql index-on-existing-table"]
    );
}

#[test]
fn advise_writes_into_the_modules_folder_under_its_prefix() {
    let project = core_and_calendar();
    std::fs::create_dir(project.path().join("queries")).unwrap();
    std::fs::write(
        project.path().join("queries/agenda.sql"),
        "SELECT id FROM calendar_events WHERE title = 'standup';\n",
    )
    .unwrap();
    // No database: the schema the calendar's migrations make.
    let args = calendar(&[
        "advise",
        "--queries",
        "queries",
        "--write",
        "index_titles",
        "--json",
    ]);
    let advice = run_schema(project.path(), None, &args).code(0).json();
    let written = advice["written"].as_array().unwrap();
    assert_eq!(written.len(), 2, "{advice}");
    assert!(
        written
            .iter()
            .all(|p| p.as_str().unwrap().starts_with("calendar/")),
        "{advice}"
    );
    let up = std::fs::read_to_string(project.path().join(written[0].as_str().unwrap())).unwrap()
        + &std::fs::read_to_string(project.path().join(written[1].as_str().unwrap())).unwrap();
    assert!(up.contains("calendar_events_title_idx"), "{up}");

    // The written pair applies as the calendar's, after the core.
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    project.schema(&calendar(&["up", "-q"])).code(0);
    let status = project
        .schema(&calendar(&["status", "--json"]))
        .code(0)
        .json();
    assert_eq!(states(&status).len(), 3);
    assert_eq!(
        project
            .schema(&["--module", "core", "status", "--json"])
            .code(0)
            .json()["migrations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn import_records_the_history_under_the_module() {
    let project = core_and_calendar();
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    // The calendar's first migration, applied by hand and noted in a table of versions.
    exec(
        &project.sqlite_file(),
        "CREATE TABLE calendar_events (
             id        INTEGER PRIMARY KEY,
             user_id   INTEGER NOT NULL REFERENCES users (id),
             starts_at TEXT NOT NULL,
             title     TEXT NOT NULL
         );
         CREATE TABLE old_calendar_versions (version INTEGER);
         INSERT INTO old_calendar_versions VALUES (1);",
    );
    let imported = project
        .schema(&calendar(&["import-versions", "old_calendar_versions"]))
        .code(0);
    assert_eq!(
        imported.stdout,
        "imported 1 migration from `old_calendar_versions`: 1\n"
    );
    let status = project
        .schema(&calendar(&["status", "--json"]))
        .code(3)
        .json();
    assert_eq!(
        states(&status),
        [(1, "applied".to_owned()), (2, "pending".to_owned())]
    );
    // The core's rows are its own.
    let core = project
        .schema(&["--module", "core", "status", "--json"])
        .code(0)
        .json();
    assert!(states(&core).iter().all(|(_, s)| s == "applied"));
    project.schema(&calendar(&["up", "-q"])).code(0);
    project.schema(&calendar(&["diff"])).code(0);
}

#[test]
fn new_creates_the_file_in_the_modules_folder() {
    let project = shared();
    let run = project
        .schema(&calendar(&["new", "add_location", "--sequential"]))
        .code(0);
    assert!(
        run.stdout.contains("calendar/3_add_location.sql"),
        "{}",
        run.stdout
    );
    assert!(project.path().join("calendar/3_add_location.sql").exists());
    std::fs::write(
        project.path().join("calendar/3_add_location.sql"),
        "ALTER TABLE calendar_events ADD COLUMN location TEXT;\n",
    )
    .unwrap();
    let status = project
        .schema(&calendar(&["status", "--json"]))
        .code(3)
        .json();
    assert_eq!(states(&status)[2], (3, "pending".to_owned()));
    project.schema(&["--module", "core", "status"]).code(0);
    project.schema(&calendar(&["up", "-q"])).code(0);

    // Under the prefix, a file that leaves it is refused, naming the file and the object.
    std::fs::write(
        project.path().join("calendar/4_touch_users.sql"),
        "ALTER TABLE users ADD COLUMN calendar_color TEXT;\n",
    )
    .unwrap();
    let refused = project.schema(&calendar(&["status"])).code(1);
    assert!(
        refused.stderr.contains("calendar/4_touch_users.sql:1:")
            && refused.stderr.contains("`users`"),
        "{}",
        refused.stderr
    );
}
