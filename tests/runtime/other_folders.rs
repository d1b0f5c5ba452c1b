//! Folders as other tools write them, embedded unchanged: goose's and dbmate's files holding
//! both halves of a migration, files wrapped in their own `BEGIN` … `COMMIT`, refinery's and
//! Flyway's names, and Flyway's repeatable migrations; each scenario on an SQLite file and on
//! the PostgreSQL server.

use crate::support::db::TestDb;
use crate::support::folders::{files, line_of, statement_and_line};
use crate::support::message;
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};

static GOOSE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/goose");
static DBMATE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/dbmate");
static WRAPPED: Migrations = schema_runtime::embed_migrations!("tests/fixtures/wrapped");
static WRAPPED_FAILING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/wrapped_failing", check = false);
static FLYWAY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/flyway");

on_both_databases!(
    a_goose_file_creates_its_table_on_run_and_drops_it_on_revert,
    a_dbmate_file_creates_its_table_on_run_and_drops_it_on_revert,
    an_error_in_the_down_half_of_a_goose_file_names_the_line_of_the_file,
    a_goose_file_recorded_with_the_checksum_of_the_whole_file_stays_applied,
    a_file_wrapped_in_its_own_transaction_applies_once,
    a_failing_wrapped_file_rolls_back_with_nothing_recorded,
    flyway_names_apply_in_version_order_then_the_repeatable_ones,
    a_run_stopped_at_a_target_leaves_the_repeatable_ones_to_the_run_that_reaches_the_end,
    a_repeatable_migration_applies_again_only_when_it_changes,
    a_changed_repeatable_migration_applies_again_in_an_all_or_nothing_run,
    a_failing_repeatable_migration_rolls_back_and_is_reported,
    a_revert_to_zero_leaves_the_repeatable_ones_applied_and_names_them,
);

fn versions(report: &[schema_runtime::AppliedMigration]) -> Vec<(i64, bool)> {
    report.iter().map(|m| (m.version, m.repeatable)).collect()
}

async fn a_goose_file_creates_its_table_on_run_and_drops_it_on_revert(db: &impl TestDb) {
    let report = GOOSE.run(db.pool()).await.unwrap();
    assert_eq!(
        versions(&report.applied),
        [(20240101000000, false), (20240102000000, false)]
    );
    // The up half only: before the split, the down ran with it and dropped the table.
    assert!(db.tables().await.contains(&"notes".to_owned()));
    assert_eq!(db.number("SELECT count(*) FROM notes").await, 1);
    let status = GOOSE.status(db.pool()).await.unwrap();
    assert!(status
        .iter()
        .all(|e| e.reversible && e.state == MigrationState::Applied));

    let reverted = GOOSE.migrator().revert_to(db.pool(), 0).await.unwrap();
    assert_eq!(
        versions(&reverted.reverted),
        [(20240102000000, false), (20240101000000, false)]
    );
    assert!(!db.tables().await.contains(&"notes".to_owned()));
    assert_eq!(db.applied_versions().await, []);
    // And up again: the halves are as good as a pair of files.
    GOOSE.run(db.pool()).await.unwrap();
    assert_eq!(db.number("SELECT count(*) FROM notes").await, 1);
}

async fn a_dbmate_file_creates_its_table_on_run_and_drops_it_on_revert(db: &impl TestDb) {
    DBMATE.run(db.pool()).await.unwrap();
    assert!(db.tables().await.contains(&"tags".to_owned()));
    db.exec("INSERT INTO tags (id, name) VALUES (1, 'red')")
        .await;
    let again = DBMATE.run(db.pool()).await.unwrap();
    assert!(again.up_to_date_at_boot);

    DBMATE.migrator().revert_last(db.pool(), 1).await.unwrap();
    assert_eq!(db.number("SELECT count(*) FROM tags").await, 1);
    DBMATE.migrator().revert_to(db.pool(), 0).await.unwrap();
    assert!(!db.tables().await.contains(&"tags".to_owned()));
    let history = DBMATE.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(
        events,
        [
            (20240101000000, EventKind::Apply),
            (20240102000000, EventKind::Apply),
            (20240102000000, EventKind::Revert),
            (20240101000000, EventKind::Revert)
        ]
    );
}

async fn an_error_in_the_down_half_of_a_goose_file_names_the_line_of_the_file(db: &impl TestDb) {
    let sql = "-- +goose Up\nCREATE TABLE kept (id INTEGER);\n\n-- +goose Down\nDROP TABLE kept;\n\nDROP TABLE never_made;\n";
    let (_dir, set) = files(&[("1_kept.sql", sql)]);
    set.run(db.pool()).await.unwrap();
    let err = set.migrator().revert_to(db.pool(), 0).await.unwrap_err();
    // The down runs the file with its up half blanked: statement 2 of the down, on line 7.
    assert_eq!(
        statement_and_line(&err),
        (2, line_of(sql, "DROP TABLE never_made"))
    );
    assert!(
        message(&err).starts_with("migrations/1_kept.sql:7:"),
        "{}",
        message(&err)
    );
    // Rolled back: the table and its row stay.
    assert!(db.tables().await.contains(&"kept".to_owned()));
    assert_eq!(db.applied_versions().await, [(1, "applied".to_owned())]);
}

async fn a_goose_file_recorded_with_the_checksum_of_the_whole_file_stays_applied(db: &impl TestDb) {
    // What an earlier version of this crate recorded, which ran such a file as one migration.
    GOOSE.run(db.pool()).await.unwrap();
    let up = GOOSE.as_slice()[0];
    let record = |checksum: String| {
        format!(
            "UPDATE _schema_migrations SET checksum = '{checksum}' WHERE version = {}",
            up.version
        )
    };
    db.exec(&record(schema_runtime::Checksum::of(up.source).to_hex()))
        .await;
    let again = GOOSE
        .migrator()
        .always_validate()
        .run(db.pool())
        .await
        .unwrap();
    assert!(again.is_noop());
    let status = GOOSE.status(db.pool()).await.unwrap();
    assert_eq!(status[0].state, MigrationState::Applied);
    // Any other checksum is an edited file, as ever.
    db.exec(&record(schema_runtime::Checksum::of("edited").to_hex()))
        .await;
    let err = GOOSE
        .migrator()
        .always_validate()
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { .. }),
        "{err:?}"
    );
}

async fn a_file_wrapped_in_its_own_transaction_applies_once(db: &impl TestDb) {
    let report = WRAPPED.run(db.pool()).await.unwrap();
    assert_eq!(versions(&report.applied), [(1, false), (2, false)]);
    assert_eq!(db.number("SELECT count(*) FROM accounts").await, 1);
    assert!(db.tables().await.contains(&"ledger".to_owned()));
    let again = WRAPPED.run(db.pool()).await.unwrap();
    assert!(again.is_noop() && again.up_to_date_at_boot);
    assert_eq!(db.number("SELECT count(*) FROM accounts").await, 1);
    let applies = WRAPPED
        .history(db.pool())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event == EventKind::Apply)
        .count();
    assert_eq!(applies, 2);
    // The file is embedded unchanged and checksummed as any other file.
    let m = WRAPPED.as_slice()[0];
    assert!(m.source.contains("BEGIN;") && !m.sql.contains("BEGIN;"));
    assert_eq!(m.checksum, schema_runtime::Checksum::of(m.source));
}

async fn a_failing_wrapped_file_rolls_back_with_nothing_recorded(db: &impl TestDb) {
    let err = WRAPPED_FAILING.run(db.pool()).await.unwrap_err();
    let MigrateError::Failed {
        version,
        file,
        line,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    let sql = include_str!("../fixtures/wrapped_failing/2_add_orders.sql");
    assert_eq!(
        (*version, file.as_str(), *line),
        (
            2,
            "tests/fixtures/wrapped_failing/2_add_orders.sql",
            line_of(sql, "INSERT INTO order_lines")
        )
    );
    // Its statements ran in the migration's transaction: nothing of them stays, and nothing of
    // it is recorded; the file before it stands.
    assert!(!db.tables().await.contains(&"orders".to_owned()));
    assert_eq!(db.applied_versions().await, [(1, "applied".to_owned())]);
    assert_eq!(db.number("SELECT count(*) FROM accounts").await, 1);
}

async fn flyway_names_apply_in_version_order_then_the_repeatable_ones(db: &impl TestDb) {
    let report = FLYWAY.run(db.pool()).await.unwrap();
    let applied: Vec<(&str, bool)> = report
        .applied
        .iter()
        .map(|m| (m.description.as_str(), m.repeatable))
        .collect();
    assert_eq!(
        applied,
        [
            ("create_people", false),
            ("create_pets", false),
            ("names", true),
            ("pet_counts", true)
        ]
    );
    assert_eq!(report.applied[0].version, 1);
    assert_eq!(report.applied[1].version, 2);
    assert_eq!(
        db.number("SELECT pets FROM pet_counts WHERE owner = 'Ann'")
            .await,
        2
    );
    let rows = db.applied_versions().await;
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|(_, status)| status == "applied"));
}

async fn a_run_stopped_at_a_target_leaves_the_repeatable_ones_to_the_run_that_reaches_the_end(
    db: &impl TestDb,
) {
    let first = FLYWAY.migrator().target(1).run(db.pool()).await.unwrap();
    assert_eq!(versions(&first.applied), [(1, false)]);
    let last = FLYWAY.migrator().target(2).run(db.pool()).await.unwrap();
    let repeatable: Vec<bool> = last.applied.iter().map(|m| m.repeatable).collect();
    assert_eq!(repeatable, [false, true, true]);
}

/// The flyway fixture with `R__pet_counts.sql` changed and a third versioned migration, as a
/// later release of the service would have them.
fn flyway_changed() -> (tempfile::TempDir, Migrations) {
    files(&[
        (
            "V1__create_people.sql",
            include_str!("../fixtures/flyway/V1__create_people.sql"),
        ),
        (
            "V2__create_pets.sql",
            include_str!("../fixtures/flyway/V2__create_pets.sql"),
        ),
        (
            "V3__more_pets.sql",
            "INSERT INTO pets (id, owner_id, name) VALUES (3, 1, 'Kit');\n",
        ),
        ("R__names.sql", include_str!("../fixtures/flyway/R__names.sql")),
        (
            "R__pet_counts.sql",
            "DROP VIEW IF EXISTS pet_counts;\nCREATE VIEW pet_counts AS\n    SELECT people.name AS owner, count(pets.id) * 10 AS pets\n    FROM people LEFT JOIN pets ON pets.owner_id = people.id\n    GROUP BY people.name;\n",
        ),
    ])
}

async fn a_repeatable_migration_applies_again_only_when_it_changes(db: &impl TestDb) {
    FLYWAY.run(db.pool()).await.unwrap();
    // Unchanged: the second boot is the one query that finds nothing to do.
    let again = FLYWAY.run(db.pool()).await.unwrap();
    assert!(again.is_noop() && again.up_to_date_at_boot, "{again:?}");

    let (_dir, changed) = flyway_changed();
    let status = changed.status(db.pool()).await.unwrap();
    let states: Vec<(&str, MigrationState, bool)> = status
        .iter()
        .map(|e| (e.description.as_str(), e.state, e.repeatable))
        .collect();
    assert_eq!(
        states,
        [
            ("create_people", MigrationState::Applied, false),
            ("create_pets", MigrationState::Applied, false),
            ("more_pets", MigrationState::Pending, false),
            ("names", MigrationState::Applied, true),
            ("pet_counts", MigrationState::Pending, true)
        ]
    );
    // The new versioned migration is not out of order for coming after the repeatable ones,
    // and only the changed repeatable runs again, after it.
    let report = changed.run(db.pool()).await.unwrap();
    let applied: Vec<(&str, bool)> = report
        .applied
        .iter()
        .map(|m| (m.description.as_str(), m.repeatable))
        .collect();
    assert_eq!(applied, [("more_pets", false), ("pet_counts", true)]);
    assert!(!report.up_to_date_at_boot);
    assert_eq!(
        db.number("SELECT pets FROM pet_counts WHERE owner = 'Ann'")
            .await,
        30
    );
    let again = changed.run(db.pool()).await.unwrap();
    assert!(again.is_noop() && again.up_to_date_at_boot, "{again:?}");

    // The history holds each apply, the repeatable's two with its key.
    let history = changed.history(db.pool()).await.unwrap();
    let key = changed
        .repeatable()
        .find(|m| m.description == "pet_counts")
        .unwrap()
        .version;
    let pet_counts: Vec<(i64, EventKind, bool)> = history
        .iter()
        .filter(|e| e.description == "pet_counts")
        .map(|e| (e.version, e.event, e.repeatable))
        .collect();
    assert_eq!(
        pet_counts,
        [(key, EventKind::Apply, true), (key, EventKind::Apply, true)]
    );
    assert_ne!(history[history.len() - 1].checksum, history[3].checksum);
    // One row per migration: the repeatable's row was replaced, not added to.
    assert_eq!(db.applied_versions().await.len(), 5);
}

async fn a_changed_repeatable_migration_applies_again_in_an_all_or_nothing_run(db: &impl TestDb) {
    let first = FLYWAY
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(first.applied.len(), 4);
    let (_dir, changed) = flyway_changed();
    // One transaction, one insert of the new rows: the repeatable's row of its first apply is
    // replaced in it.
    let report = changed
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap();
    assert!(versions(&report.applied)[1].1);
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        db.number("SELECT pets FROM pet_counts WHERE owner = 'Ann'")
            .await,
        30
    );
    assert!(changed.run(db.pool()).await.unwrap().up_to_date_at_boot);
}

async fn a_failing_repeatable_migration_rolls_back_and_is_reported<D: TestDb>(db: &D) {
    let (_dir, set) = files(&[
        (
            "V1__create_people.sql",
            "CREATE TABLE people (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "R__broken.sql",
            "CREATE VIEW everyone AS SELECT id FROM people;\nINSERT INTO ghosts (id) VALUES (1);\n",
        ),
    ]);
    let err = set.run(db.pool()).await.unwrap_err();
    let message = message(&err);
    assert!(
        message.starts_with("migrations/R__broken.sql:2:")
            && message.contains("statement 2 of the repeatable migration failed")
            && message.contains("rolled back"),
        "{message}"
    );
    let before: Vec<i64> = err.applied_before().iter().map(|m| m.version).collect();
    assert_eq!(before, [1]);
    // Nothing of it stands or is recorded as applied; the failure is in the history.
    assert_eq!(db.applied_versions().await, [(1, "applied".to_owned())]);
    let failure = set
        .history(db.pool())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event == EventKind::Failure)
        .unwrap();
    assert!(failure.repeatable && failure.description == "broken");
    let views = db
        .texts(D::either(
            "SELECT name FROM sqlite_master WHERE type = 'view'",
            "SELECT table_name::text FROM information_schema.views WHERE table_schema = 'public'",
        ))
        .await;
    assert_eq!(views, Vec::<String>::new());
}

async fn a_revert_to_zero_leaves_the_repeatable_ones_applied_and_names_them(db: &impl TestDb) {
    let (_dir, set) = files(&[
        (
            "V1__create_people.up.sql",
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);\n",
        ),
        ("V1__create_people.down.sql", "DROP TABLE people;\n"),
        (
            "V2__create_pets.up.sql",
            "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER);\n",
        ),
        ("V2__create_pets.down.sql", "DROP TABLE pets;\n"),
        (
            "R__app_version.sql",
            "DROP VIEW IF EXISTS app_version;\nCREATE VIEW app_version AS SELECT 3 AS version;\n",
        ),
    ]);
    let key = set.repeatable().next().unwrap().version;
    set.run(db.pool()).await.unwrap();

    // A revert that leaves a versioned migration applied says nothing of them.
    let one = set.migrator().revert_last(db.pool(), 1).await.unwrap();
    assert_eq!(versions(&one.reverted), [(2, false)]);
    assert!(one.kept_repeatable.is_empty(), "{one:?}");

    // A revert to 0 reverts every versioned migration, and names the repeatable one it leaves.
    let all = set.migrator().revert_to(db.pool(), 0).await.unwrap();
    assert_eq!(versions(&all.reverted), [(1, false)]);
    assert_eq!(all.kept_repeatable, ["app_version"]);
    // Status and history say what the database holds: the view stands, recorded as applied.
    assert_eq!(
        db.number("SELECT count(*) FROM app_version WHERE version = 3")
            .await,
        1
    );
    let status = set.status(db.pool()).await.unwrap();
    let states: Vec<(i64, MigrationState)> = status.iter().map(|e| (e.version, e.state)).collect();
    assert_eq!(
        states,
        [
            (1, MigrationState::Pending),
            (2, MigrationState::Pending),
            (key, MigrationState::Applied)
        ]
    );
    let history = set.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(
        events,
        [
            (1, EventKind::Apply),
            (2, EventKind::Apply),
            (key, EventKind::Apply),
            (2, EventKind::Revert),
            (1, EventKind::Revert)
        ]
    );
    assert_eq!(
        db.applied_versions().await,
        [(key, "applied".to_owned())],
        "the repeatable's row alone"
    );

    // Nothing left to revert: the report still says what remains.
    let again = set.migrator().revert_to(db.pool(), 0).await.unwrap();
    assert!(again.reverted.is_empty());
    assert_eq!(again.kept_repeatable, ["app_version"]);

    // The next run applies the versioned ones; the unchanged repeatable is not run again.
    let rerun = set.run(db.pool()).await.unwrap();
    assert_eq!(versions(&rerun.applied), [(1, false), (2, false)]);
}
