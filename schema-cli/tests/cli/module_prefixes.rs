//! The table prefixes modules record in the database, as the `schema` binary run on one
//! module's folder uses them: `diff`, `dump` and `advise` of a module leave out the other
//! modules' prefixed objects, and `diff --write` checks the folder it writes to with the
//! options the folder was read with (`--old`, `--prefix`). Each on an SQLite file and on the
//! PostgreSQL server.

use crate::module_option::calendar;
use crate::postgres::{pg_project, server_url};
use crate::support::{copy_dir, fixture_dir, Project};
use serde_json::Value;

/// The databases each scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Db {
    Sqlite,
    Postgres,
}

/// A project on `db` whose `migrations/` is a copy of `fixture`, if given.
fn project(db: Db, fixture: Option<&str>) -> Project {
    match (db, fixture) {
        (Db::Postgres, _) => pg_project(fixture),
        (Db::Sqlite, Some(fixture)) => Project::with_fixture(fixture),
        (Db::Sqlite, None) => Project::new(),
    }
}

/// Runs `sql` in the project's database.
fn exec(db: Db, project: &Project, sql: &str) {
    match db {
        Db::Sqlite => crate::support::exec(&project.sqlite_file(), sql),
        Db::Postgres => crate::postgres::exec(project, sql),
    }
}

/// `args`, then `--dev-url` on PostgreSQL (where the expected schema is made).
fn with_dev<'a>(db: Db, url: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    match db {
        Db::Sqlite => args.to_vec(),
        Db::Postgres => [args, &["--dev-url", url][..]].concat(),
    }
}

/// The core (`migrations/`, no prefix) and the calendar (`calendar/`, `calendar_`) applied to
/// one database, each with the `schema` binary and its own folder.
fn core_and_calendar(db: Db) -> Project {
    let project = project(db, Some("modules_core"));
    copy_dir(
        &fixture_dir("modules_calendar"),
        &project.path().join("calendar"),
    );
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    project.schema(&calendar(&["up", "-q"])).code(0);
    project
}

fn core_diff_and_dump_leave_out_the_plugins_recorded_prefix(db: Db) {
    let project = core_and_calendar(db);
    let url = server_url_for(db);
    // Each run recorded its set's prefix: the calendar's, none for the core.
    let list = project
        .schema(&["--module", "core", "modules", "--json"])
        .code(0)
        .json();
    let prefixes: Vec<String> = list["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m["name"].as_str().unwrap(), m["prefix"]))
        .collect();
    assert_eq!(prefixes, ["calendar \"calendar_\"", "core null"], "{list}");
    // The core's folder knows nothing of the calendar; the database says what is its.
    let run = project
        .schema(&with_dev(db, &url, &["--module", "core", "diff"]))
        .code(0);
    assert_eq!(
        run.stdout,
        "ok: the database's schema is the one its migrations make\n"
    );
    let dump = project
        .schema(&["--module", "core", "dump", "--json"])
        .code(0)
        .json();
    let tables = dump["tables"].to_string();
    assert!(
        tables.contains("users") && !tables.contains("calendar_events"),
        "{dump}"
    );
    // A change by hand to the core still shows.
    exec(db, &project, "CREATE INDEX users_by_name ON users (name)");
    let drift = project
        .schema(&with_dev(db, &url, &["--module", "core", "diff", "--json"]))
        .code(4)
        .json();
    let text = drift["differences"].to_string();
    assert!(
        text.contains("users_by_name") && !text.contains("calendar"),
        "{drift}"
    );
}

/// The finding tables of an `advise --json` document.
fn finding_tables(advice: &Value) -> Vec<String> {
    advice["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {advice}"))
        .iter()
        .map(|f| f["table"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn advise_on_a_live_database_keeps_to_the_modules_objects(db: Db) {
    let project = core_and_calendar(db);
    // A table by hand with an unindexed foreign key, and an index the calendar's own one
    // makes redundant: one finding outside the calendar, one in it.
    exec(
        db,
        &project,
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
         CREATE INDEX calendar_events_user ON calendar_events (user_id);",
    );
    let whole = project.schema(&["advise", "--json"]).code(0).json();
    let tables = finding_tables(&whole);
    assert!(tables.iter().any(|t| t.ends_with("tags")), "{whole}");
    assert!(
        tables.iter().any(|t| t.ends_with("calendar_events")),
        "{whole}"
    );

    let own = project
        .schema(&calendar(&["advise", "--json"]))
        .code(0)
        .json();
    let tables = finding_tables(&own);
    assert!(!tables.is_empty(), "{own}");
    assert!(
        tables.iter().all(|t| t.ends_with("calendar_events")),
        "{own}"
    );
    assert!(!own["changes"].to_string().contains("tags"), "{own}");

    // The core, without a prefix of its own, leaves out the calendar's recorded one.
    let core = project
        .schema(&["--module", "core", "advise", "--json"])
        .code(0)
        .json();
    let tables = finding_tables(&core);
    assert!(tables.iter().any(|t| t.ends_with("tags")), "{core}");
    assert!(tables.iter().all(|t| !t.contains("calendar")), "{core}");
}

fn diff_write_checks_the_folder_with_old_and_prefix(db: Db) {
    let project = project(db, None);
    // Migration 1 left the prefix before the module had one: old, so a note.
    project.write(
        "1_legacy.sql",
        "CREATE TABLE events_legacy (id INTEGER PRIMARY KEY);\n",
    );
    project.write(
        "2_events.sql",
        "CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    let url = server_url_for(db);
    let options = ["--prefix", "calendar_", "--old", "1"];
    // `diff` makes the expected schema: on PostgreSQL, on the dev server.
    let run = |args: &[&'static str]| {
        let args = [&options[..], args].concat();
        match args.contains(&"diff") {
            true => project.schema(&with_dev(db, &url, &args)),
            false => project.schema(&args),
        }
    };
    run(&["up", "-q"]).code(0);
    let files = || std::fs::read_dir(project.migrations()).unwrap().count();

    // An index by hand outside the prefix: the fix that records it would fail the build.
    exec(
        db,
        &project,
        "CREATE INDEX events_by_title ON calendar_events (title)",
    );
    let write = ["diff", "--write", "by_title", "--from-live"];
    let refused = run(&write).code(1);
    assert!(
        refused
            .stderr
            .contains("this statement creates index `events_by_title`, but the set is confined to the prefix `calendar_`"),
        "{}",
        refused.stderr
    );
    assert_eq!(files(), 2);

    // Named with the prefix, the fix is written and recorded: migration 1, old, is a note.
    exec(
        db,
        &project,
        "DROP INDEX events_by_title; CREATE INDEX calendar_events_by_title ON calendar_events (title)",
    );
    let written = run(&write).code(0);
    assert!(
        !written.stderr.contains("events_legacy"),
        "{}",
        written.stderr
    );
    assert_eq!(files(), 4);
    run(&["status", "-q"]).code(0);
    run(&["diff"]).code(0);
}

/// A module whose prefix starts with another's (`calendar_x_` beside `calendar_`) still sees
/// its own objects when its folder is read without `--prefix` (the database records its
/// prefix), and what a folder's migrations make is compared even when it is run as another
/// module (the default one), whose view leaves that prefix out.
fn a_modules_own_objects_are_compared_whatever_the_others_prefixes(db: Db) {
    let project = core_and_calendar(db);
    let url = server_url_for(db);
    let links = project.path().join("links");
    std::fs::create_dir(&links).unwrap();
    std::fs::write(
        links.join("1_create_links.sql"),
        "CREATE TABLE calendar_x_links (id INTEGER PRIMARY KEY, note TEXT);\n",
    )
    .unwrap();
    let module = ["--module", "links", "--source", "links"];
    let with = |args: &[&'static str]| -> Vec<&str> { [&module[..], args].concat() };
    project
        .schema(&with(&["--prefix", "calendar_x_", "up", "-q"]))
        .code(0);
    let run = project
        .schema(&with_dev(db, &url, &with(&["diff"])))
        .code(0);
    assert_eq!(
        run.stdout,
        "ok: the database's schema is the one its migrations make (module `links`, objects `calendar_x_*`)\n"
    );
    let dump = project.schema(&with(&["dump", "--json"])).code(0).json();
    let tables: Vec<&str> = dump["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tables.len() == 1 && tables[0].ends_with("calendar_x_links"),
        "{dump}"
    );
    exec(
        db,
        &project,
        "ALTER TABLE calendar_x_links ADD COLUMN hacked TEXT",
    );
    let drift = project
        .schema(&with_dev(db, &url, &with(&["diff", "--json"])))
        .code(4)
        .json();
    assert!(
        drift["differences"].to_string().contains("hacked"),
        "{drift}"
    );

    // The same folder run as the default module: `calendar_x_` is another module's prefix
    // there, yet the table its migrations make is compared.
    let drift = project
        .schema(&with_dev(
            db,
            &url,
            &["--source", "links", "diff", "--json"],
        ))
        .code(4)
        .json();
    assert!(
        drift["differences"].to_string().contains("hacked"),
        "{drift}"
    );
}

/// The PostgreSQL server's URL (the dev database's server), or nothing on SQLite.
fn server_url_for(db: Db) -> String {
    match db {
        Db::Sqlite => String::new(),
        Db::Postgres => server_url(),
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Db::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(super::Db::Postgres) })*
        }
    };
}

on_both!(
    core_diff_and_dump_leave_out_the_plugins_recorded_prefix,
    advise_on_a_live_database_keeps_to_the_modules_objects,
    diff_write_checks_the_folder_with_old_and_prefix,
    a_modules_own_objects_are_compared_whatever_the_others_prefixes,
);
