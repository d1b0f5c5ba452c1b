//! A database that sqlx, diesel or refinery migrated is adopted by the first run: the tool's
//! history checked against the files, recorded with its times, and only the rest applied. Each
//! scenario on an SQLite file and on the PostgreSQL server.
//!
//! The `adopt` fixture's first file creates a table (run again, it fails) and its second
//! multiplies a balance by 100 (run again, 500 becomes 50,000); the tools apply those two, and
//! the third is left for the run.

use crate::support::db::TestDb;
use crate::support::message;
use crate::support::replicas::{spawn_replicas, wait_each};
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations, OtherTool};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

on_both_databases!(
    a_database_sqlx_migrated_is_adopted_with_its_times_and_the_rest_applied,
    a_database_diesel_migrated_is_adopted_with_its_times_and_the_rest_applied,
    a_database_refinery_migrated_is_adopted_with_its_times_and_the_rest_applied,
    a_file_edited_after_the_tool_applied_it_is_refused_with_nothing_recorded,
    a_migration_the_tool_records_as_failed_is_refused_with_nothing_recorded,
    a_version_the_folder_lacks_is_refused_unless_ignore_missing,
    adopting_turned_off_refuses_as_before,
    a_history_the_set_cannot_follow_on_from_is_refused_with_nothing_recorded,
    six_boots_at_once_adopt_the_history_once_and_all_succeed,
);

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `adopt` set (three files), loaded once with the checks the macro makes.
pub fn adopt() -> &'static Migrations {
    static SET: OnceLock<Migrations> = OnceLock::new();
    SET.get_or_init(|| Migrations::load(root(), "tests/fixtures/adopt").unwrap())
}

/// The same three migrations in diesel's layout.
fn adopt_diesel() -> &'static Migrations {
    static SET: OnceLock<Migrations> = OnceLock::new();
    SET.get_or_init(|| Migrations::load(root(), "tests/fixtures/adopt_diesel").unwrap())
}

/// The text of the `adopt` fixture's file `name`.
pub fn sql_of(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/adopt").join(name)).unwrap()
}

/// A folder holding the `adopt` fixture's first two files, byte for byte, as the other tool's
/// folder was before the third was written.
fn first_two() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["1_create_accounts.sql", "2_balance_in_cents.sql"] {
        std::fs::write(dir.path().join(name), sql_of(name)).unwrap();
    }
    let path = dir.path().to_owned();
    (dir, path)
}

pub async fn balance(db: &impl TestDb) -> i64 {
    db.number("SELECT balance FROM accounts WHERE id = 1").await
}

/// The times the status shows, by version.
pub async fn applied_at(db: &impl TestDb, set: &Migrations) -> Vec<Option<String>> {
    let status = set.status(db.pool()).await.unwrap();
    status.into_iter().map(|e| e.applied_at).collect()
}

/// Nothing is recorded, nothing applied twice: the tool's two migrations stand as it left them.
pub async fn nothing_recorded(db: &impl TestDb, set: &Migrations) {
    let status = set.status(db.pool()).await.unwrap();
    assert!(
        status.iter().all(|e| e.state == MigrationState::Pending),
        "{status:?}"
    );
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    assert!(!db.tables().await.contains(&"notes".to_owned()));
}

/// The first run adopted versions 1 and 2 as `tool`'s, with `times`, and applied 3 alone; a
/// second boot does nothing.
pub async fn adopted_then_applied(
    db: &impl TestDb,
    set: &Migrations,
    tool: OtherTool,
    times: [&str; 2],
) {
    let plan = set.migrator().dry_run(db.pool()).await.unwrap();
    let planned: Vec<i64> = plan.iter().map(|m| m.version).collect();
    assert_eq!(planned, [3], "the dry run adopts too");

    let report = set.run(db.pool()).await.unwrap();
    let adopted = report.adopted.as_ref().expect("adopted");
    assert_eq!(
        (adopted.tool, adopted.table.as_str()),
        (tool, tool.default_table())
    );
    assert_eq!(adopted.versions, [1, 2]);
    let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, [3]);
    assert_eq!(report.already_applied, 2);
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    assert_eq!(db.number("SELECT count(*) FROM notes").await, 0);

    let at = applied_at(db, set).await;
    assert_eq!(
        at[..2],
        times.map(|t| Some(t.to_owned())),
        "the tool's times"
    );
    assert!(at[2].as_deref().is_some_and(|t| t > "2025"), "{at:?}");
    let history = set.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind, &str)> = history
        .iter()
        .map(|e| (e.version, e.event, e.at.as_str()))
        .collect();
    assert_eq!(
        events[..2],
        [
            (1, EventKind::Import, times[0]),
            (2, EventKind::Import, times[1])
        ]
    );
    assert_eq!((events[2].0, events[2].1), (3, EventKind::Apply));
    let detail = history[0].detail.as_deref().unwrap_or_default();
    assert_eq!(
        detail,
        format!("applied by {tool}, as `{}` records", tool.default_table())
    );

    let again = set.run(db.pool()).await.unwrap();
    assert!(
        again.up_to_date_at_boot && again.adopted.is_none(),
        "{again:?}"
    );
    let validated = set
        .migrator()
        .always_validate()
        .run(db.pool())
        .await
        .unwrap();
    assert!(validated.is_noop() && validated.adopted.is_none());
    let status = set.status(db.pool()).await.unwrap();
    assert!(
        status.iter().all(|e| e.state == MigrationState::Applied),
        "{status:?}"
    );
}

/// sqlx migrates the database with its own migrator; its times are then set back to a day
/// the test knows.
pub async fn sqlx_migrated<D: TestDb>(db: &D) {
    let (_dir, folder) = first_two();
    db.sqlx_migrate(&folder).await;
    let at = D::either("'2021-03-04 05:06:07'", "'2021-03-04 05:06:07+00'");
    db.exec(&format!(
        "UPDATE _sqlx_migrations SET installed_on = {at}, execution_time = 42000000 WHERE version = 1;
         UPDATE _sqlx_migrations SET installed_on = {at} WHERE version = 2;"
    ))
    .await;
    assert_eq!(balance(db).await, 500);
}

async fn a_database_sqlx_migrated_is_adopted_with_its_times_and_the_rest_applied(db: &impl TestDb) {
    sqlx_migrated(db).await;
    let t = "2021-03-04T05:06:07.000Z";
    adopted_then_applied(db, adopt(), OtherTool::Sqlx, [t, t]).await;
    let durations = db.tracking_rows().await;
    assert_eq!(durations[0].3, 42, "sqlx's execution time, in ms");
    let history = adopt().history(db.pool()).await.unwrap();
    assert_eq!(history[0].duration_ms, Some(42));
}

/// diesel migrates the database itself, with its own harness over the `adopt_diesel` fixture's
/// first two folders, byte for byte; its times are then set back to days the test knows.
async fn diesel_migrated(db: &impl TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/adopt_diesel");
    for name in [
        "2024-01-01-000001_create_accounts",
        "2024-01-02-000001_balance_in_cents",
    ] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        for file in ["up.sql", "down.sql"] {
            std::fs::copy(
                fixture.join(name).join(file),
                dir.path().join(name).join(file),
            )
            .unwrap();
        }
    }
    db.diesel_migrate(dir.path()).await;
    assert_eq!(balance(db).await, 500);
    db.exec(
        "UPDATE __diesel_schema_migrations SET run_on = '2021-03-04 05:06:07' WHERE version = '20240101000001';
         UPDATE __diesel_schema_migrations SET run_on = '2021-03-05 06:07:08' WHERE version = '20240102000001';",
    )
    .await;
}

async fn a_database_diesel_migrated_is_adopted_with_its_times_and_the_rest_applied(
    db: &impl TestDb,
) {
    diesel_migrated(db).await;
    let versions = db
        .texts("SELECT version FROM __diesel_schema_migrations ORDER BY version")
        .await;
    assert_eq!(versions, ["20240101000001", "20240102000001"]);
    let times = ["2021-03-04T05:06:07.000Z", "2021-03-05T06:07:08.000Z"];
    let set = adopt_diesel();
    let plan = set.migrator().dry_run(db.pool()).await.unwrap();
    assert_eq!(plan.len(), 1);
    let report = set.run(db.pool()).await.unwrap();
    let adopted = report.adopted.expect("adopted");
    assert_eq!(adopted.versions, [20240101000001, 20240102000001]);
    assert_eq!(report.applied.len(), 1);
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    let at = applied_at(db, set).await;
    assert_eq!(at[..2], times.map(|t| Some(t.to_owned())));
    assert!(set.run(db.pool()).await.unwrap().up_to_date_at_boot);
}

/// refinery migrates the database itself, with the `adopt` fixture's first two files under
/// the names refinery reads (`V1__create_accounts`), then its times are set back.
pub async fn refinery_migrated<D: TestDb>(db: &D) {
    let migrations = [
        ("V1__create_accounts", "1_create_accounts.sql"),
        ("V2__balance_in_cents", "2_balance_in_cents.sql"),
    ]
    .map(|(name, file)| refinery::Migration::unapplied(name, &sql_of(file)).unwrap());
    refinery_runs(db, &migrations).await;
}

/// refinery applies `migrations` (versions 1 and 2 of the `adopt` fixture) with its own runner,
/// then its times are set back.
pub async fn refinery_runs<D: TestDb>(db: &D, migrations: &[refinery::Migration]) {
    let runner = refinery::Runner::new(migrations);
    let address = db.address().into_string().unwrap();
    if D::either(false, true) {
        let (mut client, connection) = tokio_postgres::connect(&address, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        runner.run_async(&mut client).await.unwrap();
        drop(client);
        driver.await.unwrap().unwrap();
    } else {
        let mut conn = rusqlite::Connection::open(&address).unwrap();
        runner.run(&mut conn).unwrap();
    }
    db.exec(
        "UPDATE refinery_schema_history SET applied_on = '2021-03-04T05:06:07.123456789Z' WHERE version = 1;
         UPDATE refinery_schema_history SET applied_on = '2021-03-05T06:07:08+00:00' WHERE version = 2;",
    )
    .await;
    assert_eq!(balance(db).await, 500);
}

async fn a_database_refinery_migrated_is_adopted_with_its_times_and_the_rest_applied(
    db: &impl TestDb,
) {
    refinery_migrated(db).await;
    let times = ["2021-03-04T05:06:07.123Z", "2021-03-05T06:07:08.000Z"];
    adopted_then_applied(db, adopt(), OtherTool::Refinery, times).await;
}

/// The `adopt` set with its second file edited.
fn adopt_edited() -> &'static Migrations {
    static SET: OnceLock<(TempDir, Migrations)> = OnceLock::new();
    &SET.get_or_init(|| {
        crate::support::folders::files(&[
            ("1_create_accounts.sql", &sql_of("1_create_accounts.sql")),
            (
                "2_balance_in_cents.sql",
                "UPDATE accounts SET balance = balance * 1000;\n",
            ),
            ("3_create_notes.sql", &sql_of("3_create_notes.sql")),
        ])
    })
    .1
}

async fn a_file_edited_after_the_tool_applied_it_is_refused_with_nothing_recorded<D: TestDb>(
    db: &D,
) {
    sqlx_migrated(db).await;
    let err = adopt_edited().run(db.pool()).await.unwrap_err();
    let MigrateError::OtherChecksumMismatch {
        tool,
        version,
        file,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*tool, *version), (OtherTool::Sqlx, 2));
    assert!(file.ends_with("/2_balance_in_cents.sql"), "{file}");
    let text = message(&err);
    assert!(text.contains("sqlx applied migration 2"), "{text}");
    assert!(
        text.contains("restore the file as sqlx applied it"),
        "{text}"
    );
    nothing_recorded(db, adopt_edited()).await;

    let other = D::fresh().await;
    refinery_migrated(&other).await;
    let err = adopt_edited().run(other.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::OtherChecksumMismatch {
                tool: OtherTool::Refinery,
                version: 2,
                ..
            }
        ),
        "{err:?}"
    );
    nothing_recorded(&other, adopt_edited()).await;
}

async fn a_migration_the_tool_records_as_failed_is_refused_with_nothing_recorded(db: &impl TestDb) {
    sqlx_migrated(db).await;
    db.exec("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2")
        .await;
    let err = adopt().run(db.pool()).await.unwrap_err();
    let MigrateError::OtherFailedRow { version, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*version, 2);
    assert!(
        err.help()
            .unwrap()
            .contains("delete that row from `_sqlx_migrations`"),
        "{err}"
    );
    nothing_recorded(db, adopt()).await;
}

async fn a_version_the_folder_lacks_is_refused_unless_ignore_missing(db: &impl TestDb) {
    diesel_migrated(db).await;
    db.exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('20231231000000')")
        .await;
    let err = adopt_diesel().run(db.pool()).await.unwrap_err();
    let MigrateError::MissingMigration {
        version,
        description,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*version, 20231231000000);
    assert!(description.contains("diesel"), "{description}");
    nothing_recorded(db, adopt_diesel()).await;

    let report = adopt_diesel()
        .migrator()
        .ignore_missing()
        .run(db.pool())
        .await
        .unwrap();
    let adopted = report.adopted.expect("adopted");
    assert_eq!(adopted.versions.len(), 2);
    assert_eq!(adopted.skipped.len(), 1, "{adopted:?}");
    assert_eq!(report.applied.len(), 1);
    assert_eq!(balance(db).await, 500);
}

async fn adopting_turned_off_refuses_as_before(db: &impl TestDb) {
    sqlx_migrated(db).await;
    let off = adopt().migrator().adopt_other_tools(false);
    let err = off.run(db.pool()).await.unwrap_err();
    let MigrateError::OtherToolHistory { tool, rows, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((*tool, *rows), (OtherTool::Sqlx, 2));
    assert!(
        err.help().unwrap().contains("`adopt_other_tools(false)`"),
        "{err}"
    );
    let err = off.dry_run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::OtherToolHistory { .. }),
        "{err:?}"
    );
    nothing_recorded(db, adopt()).await;
}

async fn a_history_the_set_cannot_follow_on_from_is_refused_with_nothing_recorded(
    db: &impl TestDb,
) {
    // sqlx applied 1 and 3 (a branch merged late); 2 sorts before 3 and is not applied.
    let dir = tempfile::tempdir().unwrap();
    for name in ["1_create_accounts.sql", "3_create_notes.sql"] {
        std::fs::write(dir.path().join(name), sql_of(name)).unwrap();
    }
    db.sqlx_migrate(dir.path()).await;
    let err = adopt().run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::OutOfOrder { version: 2, .. }),
        "{err:?}"
    );
    let status = adopt().status(db.pool()).await.unwrap();
    assert!(status.iter().all(|e| e.state == MigrationState::Pending));
    assert_eq!(balance(db).await, 5);
    let report = adopt()
        .migrator()
        .allow_out_of_order()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.adopted.expect("adopted").versions, [1, 3]);
    assert_eq!(report.applied.len(), 1);
    assert_eq!(balance(db).await, 500);
}

async fn six_boots_at_once_adopt_the_history_once_and_all_succeed<D: TestDb>(db: &D) {
    sqlx_migrated(db).await;
    let outputs = wait_each(spawn_replicas(db.address(), "adopt", 6, &["120000"]));
    adopted_once_by_one_boot(db, outputs).await;
}

/// After boots started at once on a database sqlx migrated (`sqlx_migrated`), each printing
/// `outputs` (see `fixture-migrator`): exactly one adopted sqlx's two migrations, exactly one
/// applied the third, each is recorded once with sqlx's times, and nothing ran twice.
pub async fn adopted_once_by_one_boot<D: TestDb>(db: &D, outputs: Vec<Vec<String>>) {
    let adopting: Vec<&Vec<String>> = outputs
        .iter()
        .filter(|lines| lines.iter().any(|l| l.starts_with("adopted ")))
        .collect();
    assert_eq!(adopting.len(), 1, "exactly one boot adopts: {outputs:?}");
    assert_eq!(adopting[0][..2], ["adopted 1", "adopted 2"], "{outputs:?}");
    let applied: Vec<&String> = outputs
        .iter()
        .flatten()
        .filter(|l| l.starts_with("applied "))
        .collect();
    assert_eq!(applied, ["applied 3"], "{outputs:?}");
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    let rows: Vec<i64> = db.tracking_rows().await.iter().map(|r| r.1).collect();
    assert_eq!(rows, [1, 2, 3], "each recorded once");
    let events = db
        .texts("SELECT event FROM _schema_history ORDER BY version, event")
        .await;
    assert_eq!(events, ["import", "import", "apply"]);
    let t = "2021-03-04T05:06:07.000Z";
    let at = applied_at(db, adopt()).await;
    assert_eq!(
        at[..2],
        [Some(t.to_owned()), Some(t.to_owned())],
        "sqlx's times"
    );
}
