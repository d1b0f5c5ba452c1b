//! Modules and plugins in one database: two core modules and three plugins registered where
//! they are defined (`register!`), booted, activated, deactivated and removed; each scenario on
//! a database of its own (the registry is the whole binary's), on an SQLite file and on the
//! PostgreSQL server. Concurrent boots are `modules_concurrent.rs`'s.

use crate::support::db::TestDb;
use crate::support::message;
use schema_runtime::{
    EventKind, MigrateError, Migrations, ModuleRole, Modules, Registered, StoredModule,
};

pub static CORE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/modules_core", module = "core");
schema_runtime::register!(CORE, core, priority = 1);

// Sorts before `core` by name, after it by priority.
static AUTH: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/modules_auth", module = "auth");
schema_runtime::register!(AUTH, core, priority = 2);

static CALENDAR: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/modules_calendar",
    module = "calendar",
    prefix = "calendar_"
);
schema_runtime::register!(CALENDAR, plugin);

static NOTES: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/modules_notes",
    module = "notes",
    prefix = "notes_"
);
schema_runtime::register!(NOTES, plugin);

// Its second file reads the core's `users`, which the build-time check does not have.
static ARCHIVE: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/modules_archive",
    module = "archive",
    prefix = "archive_",
    check = false
);
schema_runtime::register!(ARCHIVE, plugin);

on_both_databases!(
    boot_applies_the_core_modules_in_priority_order_and_no_inactive_plugin,
    a_core_and_two_plugins_share_one_database,
    removing_a_plugin_leaves_the_other_plugin_and_the_core_as_they_were,
    activation_survives_a_restart,
    deactivating_keeps_the_data_and_boot_no_longer_applies_the_plugin,
    removing_a_set_with_a_forward_only_migration_is_refused_naming_the_file,
    core_modules_and_unknown_names_are_refused,
    a_modules_table_of_an_earlier_version_keeps_working_and_is_upgraded,
    a_modules_table_without_the_prefix_column_boots_and_gets_it,
    the_database_lists_modules_no_registry_knows,
);

/// A module's info as the scenarios compare it: name, role, active, version, applied, pending.
type Shown<'a> = (&'a str, ModuleRole, bool, Option<i64>, usize, usize);

fn modules() -> Modules {
    Modules::registered().unwrap()
}

/// The tracking rows of every module but `except`, as text.
async fn tracking_except(db: &impl TestDb, except: &str) -> Vec<String> {
    let sql = format!(
        "SELECT module || ' ' || CAST(version AS TEXT) || ' ' || checksum || ' ' || status || ' ' || CAST(applied_at AS TEXT)
         FROM _schema_migrations WHERE module <> '{except}' ORDER BY module, version"
    );
    db.texts(&sql).await
}

/// Every `apply` and `revert` event of the database, as `module version event`, in order.
async fn events(db: &impl TestDb) -> Vec<String> {
    db.texts(
        "SELECT module || ' ' || CAST(version AS TEXT) || ' ' || event FROM _schema_history ORDER BY id",
    )
    .await
}

#[test]
fn register_collects_every_set_sorted_core_by_priority_then_plugins_by_name() {
    let modules = modules();
    assert_eq!(
        modules.names(),
        ["core", "auth", "archive", "calendar", "notes"]
    );
    let core = modules.get("core").unwrap();
    assert_eq!((core.role, core.priority), (ModuleRole::Core, 1));
    assert!(
        core.location == "tests/runtime/modules.rs:14",
        "{}",
        core.location
    );
    assert_eq!(modules.get("calendar").unwrap().role, ModuleRole::Plugin);
    assert_eq!(
        modules.get("calendar").unwrap().migrations.prefix(),
        Some("calendar_")
    );
    assert!(modules.get("nothing").is_none());
}

#[test]
fn two_sets_of_one_module_are_refused_naming_both() {
    let again = CALENDAR;
    let error = Modules::from_sets([
        Registered::core(CORE, 0),
        Registered::plugin(CALENDAR),
        Registered::plugin(again),
    ])
    .unwrap_err();
    let MigrateError::DuplicateModule {
        module,
        first,
        second,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(module, "calendar");
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("set 2 of the list", "set 3 of the list")
    );
    assert!(error.help().is_some());
}

async fn boot_applies_the_core_modules_in_priority_order_and_no_inactive_plugin(db: &impl TestDb) {
    let modules = modules();
    let booted = modules.boot(db.pool()).await.unwrap();
    let order: Vec<(&str, usize)> = booted.iter().map(|(n, r)| (*n, r.applied.len())).collect();
    assert_eq!(order, [("core", 2), ("auth", 1)]);
    // `core` (priority 1) before `auth` (priority 2), though `auth` sorts first by name.
    assert_eq!(
        events(db).await,
        ["core 1 apply", "core 2 apply", "auth 1 apply"]
    );
    let tables = db.tables().await;
    assert!(!tables.iter().any(|t| t.starts_with("calendar_")));

    // Nothing to do: every module says so with its first query.
    let again = modules.boot(db.pool()).await.unwrap();
    assert!(again.iter().all(|(_, r)| r.up_to_date_at_boot), "{again:?}");
}

/// The core booted, both plugins activated (the calendar's report returned), a row in each.
async fn core_and_two_plugins(db: &impl TestDb) -> (Modules, schema_runtime::Report) {
    let modules = modules();
    modules.boot(db.pool()).await.unwrap();
    let calendar = modules.activate(db.pool(), "calendar").await.unwrap();
    modules.activate(db.pool(), "notes").await.unwrap();
    db.exec("INSERT INTO users (id, name) VALUES (1, 'ada');
             INSERT INTO conversations (id, user_id, title) VALUES (1, 1, 'hello');
             INSERT INTO calendar_events (id, user_id, starts_at, title) VALUES (1, 1, '2026-12-05', 'standup');
             INSERT INTO notes_notes (id, conversation_id, body) VALUES (1, 1, 'remember');")
        .await;
    (modules, calendar)
}

async fn a_core_and_two_plugins_share_one_database(db: &impl TestDb) {
    let (modules, calendar) = core_and_two_plugins(db).await;
    assert_eq!(calendar.applied.len(), 2);

    let info = modules.info_all(db.pool()).await.unwrap();
    let shown: Vec<Shown> = info
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.role,
                i.active,
                i.version,
                i.applied,
                i.pending,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("core", ModuleRole::Core, true, Some(2), 2, 0),
            ("auth", ModuleRole::Core, true, Some(1), 1, 0),
            ("archive", ModuleRole::Plugin, false, None, 0, 2),
            ("calendar", ModuleRole::Plugin, true, Some(2), 2, 0),
            ("notes", ModuleRole::Plugin, true, Some(2), 2, 0),
        ]
    );
    let history = CALENDAR.history(db.pool()).await.unwrap();
    let last = history
        .iter()
        .rev()
        .find(|e| e.event == EventKind::Apply)
        .unwrap();
    assert_eq!(info[3].last_applied.as_deref(), Some(last.at.as_str()));
    assert!(info[2].last_applied.is_none());

    // Each module's versions are its own: `core`'s 1 and `calendar`'s 1 are two rows.
    assert_eq!(
        db.number("SELECT count(*) FROM _schema_migrations WHERE version = 1")
            .await,
        4
    );
    // Every boot after that brings both plugins up to date, touching nothing.
    let booted = modules.boot(db.pool()).await.unwrap();
    let names: Vec<&str> = booted.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["core", "auth", "calendar", "notes"]);
    assert!(booted.iter().all(|(_, r)| r.is_noop()));
}

async fn removing_a_plugin_leaves_the_other_plugin_and_the_core_as_they_were(db: &impl TestDb) {
    let (modules, _) = core_and_two_plugins(db).await;
    let schema_before = db.dump().await;
    // The whole schema: the core's foreign keys and indexes, the notes' too.
    for object in [
        "REFERENCES users",
        "conversations_by_user",
        "notes_by_conversation",
    ] {
        assert!(
            schema_before.iter().any(|line| line.contains(object)),
            "no `{object}` in the dump: {schema_before:#?}"
        );
    }
    let tracking_before = tracking_except(db, "calendar").await;
    let notes_before = db.texts("SELECT body FROM notes_notes").await;

    let removed = modules.remove(db.pool(), "calendar").await.unwrap();
    let reverted: Vec<i64> = removed.reverted.iter().map(|m| m.version).collect();
    assert_eq!(reverted, [2, 1]);

    // The schema is the one before, without the calendar's objects (its table, columns,
    // constraints, index and rows), line for line.
    let without_calendar: Vec<String> = schema_before
        .iter()
        .filter(|line| !line.contains("calendar_"))
        .cloned()
        .collect();
    assert_ne!(
        without_calendar, schema_before,
        "the dump shows the calendar's objects"
    );
    assert_eq!(db.dump().await, without_calendar);
    assert_eq!(tracking_except(db, "calendar").await, tracking_before);
    assert_eq!(db.texts("SELECT body FROM notes_notes").await, notes_before);
    assert_eq!(
        db.number("SELECT count(*) FROM _schema_migrations WHERE module = 'calendar'")
            .await,
        0
    );
    let info = modules.info(db.pool(), "calendar").await.unwrap();
    assert!(!info.active);
    assert_eq!((info.version, info.pending), (None, 2));
    // Boot leaves it removed.
    let booted = modules.boot(db.pool()).await.unwrap();
    assert!(booted.iter().all(|(n, _)| *n != "calendar"));
    assert!(!db.tables().await.iter().any(|t| t.starts_with("calendar_")));
}

/// A second pool on the same database: what a restarted process opens.
pub enum Reopened {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Reopened {
    pub async fn of(db: &impl TestDb) -> Reopened {
        let address = db.address().into_string().unwrap();
        if address.starts_with("postgres") {
            Reopened::Postgres(sqlx::PgPool::connect(&address).await.unwrap())
        } else {
            Reopened::Sqlite(crate::support::sqlite::open(address.as_ref()).await)
        }
    }

    pub fn pool(&self) -> schema_runtime::DbPool<'_> {
        match self {
            Reopened::Sqlite(pool) => pool.into(),
            Reopened::Postgres(pool) => pool.into(),
        }
    }

    pub async fn close(self) {
        match self {
            Reopened::Sqlite(pool) => pool.close().await,
            Reopened::Postgres(pool) => pool.close().await,
        }
    }
}

async fn activation_survives_a_restart(db: &impl TestDb) {
    let first = Reopened::of(db).await;
    modules().boot(first.pool()).await.unwrap();
    modules().activate(first.pool(), "notes").await.unwrap();
    first.close().await;

    let second = Reopened::of(db).await;
    let modules = modules();
    assert!(modules.info(second.pool(), "notes").await.unwrap().active);
    assert!(
        !modules
            .info(second.pool(), "calendar")
            .await
            .unwrap()
            .active
    );
    let booted = modules.boot(second.pool()).await.unwrap();
    let names: Vec<&str> = booted.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["core", "auth", "notes"]);
    second.close().await;
}

async fn deactivating_keeps_the_data_and_boot_no_longer_applies_the_plugin(db: &impl TestDb) {
    let modules = modules();
    modules.boot(db.pool()).await.unwrap();
    modules.activate(db.pool(), "calendar").await.unwrap();
    db.exec("INSERT INTO users (id, name) VALUES (1, 'ada');
             INSERT INTO calendar_events (id, user_id, starts_at, title) VALUES (1, 1, '2026-12-05', 'standup');")
        .await;
    modules.deactivate(db.pool(), "calendar").await.unwrap();

    let info = modules.info(db.pool(), "calendar").await.unwrap();
    assert_eq!(
        (info.active, info.version, info.pending),
        (false, Some(2), 0)
    );
    assert_eq!(
        db.texts("SELECT title FROM calendar_events").await,
        ["standup"]
    );
    let booted = modules.boot(db.pool()).await.unwrap();
    assert!(booted.iter().all(|(n, _)| *n != "calendar"));

    // Active again: nothing to apply, the data as it was.
    let again = modules.activate(db.pool(), "calendar").await.unwrap();
    assert!(again.is_noop());
    assert!(modules.info(db.pool(), "calendar").await.unwrap().active);
    assert_eq!(
        db.texts("SELECT title FROM calendar_events").await,
        ["standup"]
    );
}

async fn removing_a_set_with_a_forward_only_migration_is_refused_naming_the_file(db: &impl TestDb) {
    let modules = modules();
    modules.boot(db.pool()).await.unwrap();
    db.exec("INSERT INTO users (id, name) VALUES (1, 'ada');")
        .await;
    modules.activate(db.pool(), "archive").await.unwrap();
    let schema_before = db.schema().await;
    let tracking_before = tracking_except(db, "").await;
    let events_before = events(db).await;

    let error = modules.remove(db.pool(), "archive").await.unwrap_err();
    let MigrateError::ModuleNotRemovable {
        module,
        version,
        file,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((module.as_str(), *version), ("archive", 2));
    assert_eq!(file, "tests/fixtures/modules_archive/2_fill_items.sql");
    let shown = message(&error);
    assert!(
        shown.starts_with(
            "tests/fixtures/modules_archive/2_fill_items.sql: module `archive` cannot be removed"
        ),
        "{shown}"
    );
    assert!(error.help().unwrap().contains(".down.sql"));

    // Nothing ran: the schema, the rows and the history are as they were, and it stays active.
    assert_eq!(db.schema().await, schema_before);
    assert_eq!(tracking_except(db, "").await, tracking_before);
    assert_eq!(events(db).await, events_before);
    assert_eq!(db.number("SELECT count(*) FROM archive_items").await, 1);
    assert!(modules.info(db.pool(), "archive").await.unwrap().active);
}

async fn core_modules_and_unknown_names_are_refused(db: &impl TestDb) {
    let modules = modules();
    modules.boot(db.pool()).await.unwrap();
    let schema_before = db.schema().await;
    for result in [
        modules.activate(db.pool(), "core").await.map(|_| ()),
        modules.deactivate(db.pool(), "core").await,
        modules.remove(db.pool(), "auth").await.map(|_| ()),
    ] {
        let error = result.unwrap_err();
        let MigrateError::CoreModule { module, .. } = &error else {
            panic!("{error:?}")
        };
        assert!(module == "core" || module == "auth");
        assert!(error.help().unwrap().contains("plugin"));
    }
    let error = modules.activate(db.pool(), "calender").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "no module is called `calender`; give one of the registered modules: `core`, `auth`, `archive`, `calendar`, `notes`"
    );
    assert!(modules.info(db.pool(), "calender").await.is_err());
    assert_eq!(db.schema().await, schema_before);
}

async fn a_modules_table_of_an_earlier_version_keeps_working_and_is_upgraded<D: TestDb>(db: &D) {
    // The modules table as versions before the registry created it.
    db.exec(&format!(
        "CREATE TABLE _schema_modules (
            module        TEXT PRIMARY KEY,
            applied_count BIGINT NOT NULL,
            fingerprint   TEXT NOT NULL,
            updated_at    {} NOT NULL
        )",
        D::either("TEXT", "TIMESTAMPTZ")
    ))
    .await;
    let first = CORE.run(db.pool()).await.unwrap();
    assert_eq!(first.applied.len(), 2);
    assert!(CORE.run(db.pool()).await.unwrap().up_to_date_at_boot);

    // Read as it is: no role, no state.
    let modules = modules();
    let stored = modules.stored(db.pool()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].role, stored[0].active, stored[0].version),
        (None, None, Some(2))
    );
    assert!(!modules.info(db.pool(), "calendar").await.unwrap().active);

    // The first registry write adds the columns in place, the rows kept.
    modules.boot(db.pool()).await.unwrap();
    modules.activate(db.pool(), "calendar").await.unwrap();
    let stored = modules.stored(db.pool()).await.unwrap();
    let shown: Vec<(&str, Option<ModuleRole>, Option<bool>)> = stored
        .iter()
        .map(|s| (s.name.as_str(), s.role, s.active))
        .collect();
    assert_eq!(
        shown,
        [
            ("auth", Some(ModuleRole::Core), Some(true)),
            ("calendar", Some(ModuleRole::Plugin), Some(true)),
            ("core", Some(ModuleRole::Core), Some(true)),
        ]
    );
    assert!(CORE.run(db.pool()).await.unwrap().up_to_date_at_boot);
    assert_eq!(events(db).await.len(), 5);
}

/// The tables a module's own view of the live schema shows.
async fn live_tables(set: &Migrations, db: &impl TestDb) -> Vec<String> {
    let schema = set.migrator().live_schema(db.pool()).await.unwrap();
    schema.tables.into_iter().map(|t| t.name).collect()
}

/// Each module's recorded table prefix, as `module prefix`.
async fn prefixes(db: &impl TestDb) -> Vec<String> {
    let stored = modules().stored(db.pool()).await.unwrap();
    stored
        .iter()
        .map(|s| format!("{} {}", s.name, s.prefix.as_deref().unwrap_or("-")))
        .collect()
}

async fn a_modules_table_without_the_prefix_column_boots_and_gets_it<D: TestDb>(db: &D) {
    // A database of the version before rows recorded their set's prefix: booted, a plugin
    // active, and the modules table as that version laid it out (`role` and `active`, no
    // `prefix`).
    let modules = modules();
    modules.boot(db.pool()).await.unwrap();
    modules.activate(db.pool(), "calendar").await.unwrap();
    db.exec("ALTER TABLE _schema_modules DROP COLUMN prefix")
        .await;
    let rows = db.tracking_rows().await;

    // Read as it is: no prefix known, so the core's view of the database has the plugin's
    // table, as before.
    assert_eq!(prefixes(db).await, ["auth -", "calendar -", "core -"]);
    assert!(live_tables(&CORE, db)
        .await
        .contains(&"calendar_events".to_owned()));
    assert!(CORE.run(db.pool()).await.unwrap().up_to_date_at_boot);

    // The next boot adds the column in place, rows kept, and records each set's prefix once.
    let reports = modules.boot(db.pool()).await.unwrap();
    assert!(reports.iter().all(|(_, r)| r.applied.is_empty()));
    assert_eq!(db.tracking_rows().await, rows);
    assert_eq!(
        prefixes(db).await,
        ["auth -", "calendar calendar_", "core -"]
    );
    assert_eq!(
        live_tables(&CORE, db).await,
        ["auth_tokens", "conversations", "users"]
    );

    // And stops at its first query again: nothing to record, nothing locked.
    let reports = modules.boot(db.pool()).await.unwrap();
    assert!(
        reports.iter().all(|(_, r)| r.up_to_date_at_boot),
        "{reports:?}"
    );
    // A run of the set without its prefix (a folder read at run time) that records the
    // module row keeps the prefix recorded.
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/modules_calendar"
    );
    let unprefixed = Migrations::load(std::path::Path::new("."), folder).unwrap();
    assert_eq!(unprefixed.prefix(), None);
    db.exec("UPDATE _schema_modules SET applied_count = 0 WHERE module = 'calendar'")
        .await;
    let report = unprefixed
        .migrator()
        .module("calendar")
        .run(db.pool())
        .await
        .unwrap();
    assert!(!report.up_to_date_at_boot);
    assert!(CALENDAR.run(db.pool()).await.unwrap().up_to_date_at_boot);
    assert_eq!(
        prefixes(db).await,
        ["auth -", "calendar calendar_", "core -"]
    );
}

async fn the_database_lists_modules_no_registry_knows(db: &impl TestDb) {
    modules().boot(db.pool()).await.unwrap();
    // A set run on its own, under a module no registry has.
    let loose = NOTES.migrator().module("scratch");
    loose.run(db.pool()).await.unwrap();
    let empty = Modules::from_sets([]).unwrap();
    assert!(empty.info_all(db.pool()).await.unwrap().is_empty());
    let stored: Vec<StoredModule> = empty.stored(db.pool()).await.unwrap();
    let shown: Vec<(&str, Option<ModuleRole>, Option<i64>, usize)> = stored
        .iter()
        .map(|s| (s.name.as_str(), s.role, s.version, s.applied))
        .collect();
    assert_eq!(
        shown,
        [
            ("auth", Some(ModuleRole::Core), Some(1), 1),
            ("core", Some(ModuleRole::Core), Some(2), 2),
            ("scratch", None, Some(2), 2),
        ]
    );
    assert!(stored[2].last_applied.is_some());
}
