//! Reverting, targets, dry runs, baselines and adopting a database that sqlx (or another tool)
//! migrated: each scenario on an SQLite file and on the PostgreSQL server.

use crate::support::db::TestDb;
use crate::support::message;
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};
use std::path::Path;

static REVERSIBLE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/reversible");
static FORWARD_ONLY_MIDDLE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/forward_only_middle");
static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static BASIC_MODIFIED: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_modified");
static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");

on_both_databases!(
    revert_validates_the_whole_history_as_a_run_does,
    apply_and_revert_events_record_their_duration,
    up_down_up_round_trips_leave_the_same_schema,
    revert_last_reverts_the_newest_migrations,
    reverting_past_a_forward_only_migration_is_refused_before_anything_is_reverted,
    dry_run_returns_the_plan_and_changes_nothing,
    baseline_marks_an_existing_schema_applied_without_running_it,
    baseline_then_run_applies_only_the_rest,
    adopts_a_database_that_sqlx_migrated,
    adopts_a_legacy_table_of_versions,
    adopts_a_legacy_table_of_versions_held_as_text,
    refuses_legacy_versions_that_are_not_whole_numbers,
);

fn versions(report: &[schema_runtime::AppliedMigration]) -> Vec<i64> {
    report.iter().map(|m| m.version).collect()
}

async fn up_down_up_round_trips_leave_the_same_schema(db: &impl TestDb) {
    let empty = db.schema().await;
    REVERSIBLE
        .migrator()
        .target(1)
        .run(db.pool())
        .await
        .unwrap();
    let after_one = db.schema().await;
    REVERSIBLE.run(db.pool()).await.unwrap();
    let full = db.schema().await;
    assert!(full.len() > after_one.len());

    let report = REVERSIBLE.migrator().revert_to(db.pool(), 1).await.unwrap();
    assert_eq!(versions(&report.reverted), [3, 2], "newest first");
    assert_eq!(db.schema().await, after_one);
    REVERSIBLE.run(db.pool()).await.unwrap();
    assert_eq!(db.schema().await, full);

    let report = REVERSIBLE.migrator().revert_to(db.pool(), 0).await.unwrap();
    assert_eq!(versions(&report.reverted), [3, 2, 1]);
    assert_eq!(db.schema().await, empty);
    let report = REVERSIBLE.run(db.pool()).await.unwrap();
    assert_eq!(versions(&report.applied), [1, 2, 3]);
    assert_eq!(db.schema().await, full);
    assert!(
        REVERSIBLE.run(db.pool()).await.unwrap().up_to_date_at_boot,
        "the module state followed the reverts"
    );

    let events: Vec<(i64, EventKind)> = REVERSIBLE
        .history(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|e| (e.version, e.event))
        .collect();
    assert_eq!(
        &events[3..5],
        [(3, EventKind::Revert), (2, EventKind::Revert)]
    );
}

/// Every apply and revert event of a round trip says how long it took.
async fn apply_and_revert_events_record_their_duration(db: &impl TestDb) {
    REVERSIBLE.run(db.pool()).await.unwrap();
    REVERSIBLE.migrator().revert_to(db.pool(), 0).await.unwrap();
    let history = REVERSIBLE.history(db.pool()).await.unwrap();
    let kinds: Vec<EventKind> = history.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [[EventKind::Apply; 3], [EventKind::Revert; 3]].concat()
    );
    for event in &history {
        assert!(
            event.duration_ms.is_some_and(|ms| ms >= 0),
            "{:?} of {} records no duration: {event:?}",
            event.event,
            event.version
        );
    }
}

async fn revert_last_reverts_the_newest_migrations(db: &impl TestDb) {
    REVERSIBLE.run(db.pool()).await.unwrap();
    let report = REVERSIBLE
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap();
    assert_eq!(versions(&report.reverted), [3]);
    let states: Vec<MigrationState> = REVERSIBLE
        .status(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        states,
        [
            MigrationState::Applied,
            MigrationState::Applied,
            MigrationState::Pending
        ]
    );
}

async fn revert_validates_the_whole_history_as_a_run_does(db: &impl TestDb) {
    REVERSIBLE.run(db.pool()).await.unwrap();
    let before = db.schema().await;
    // 1's recorded checksum no longer matches its file: reverting 3 is refused all the same,
    // as a run would refuse, before anything is reverted.
    db.exec(&format!(
        "UPDATE _schema_migrations SET checksum = '{}' WHERE version = 1",
        "a".repeat(64)
    ))
    .await;
    let err = REVERSIBLE
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { version: 1, .. }),
        "{err:?}"
    );
    assert_eq!(db.schema().await, before, "nothing was reverted");
    // A failed row stops a revert as it stops a run.
    db.exec("UPDATE _schema_migrations SET status = 'failed' WHERE version = 2")
        .await;
    let err = REVERSIBLE
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::Dirty { .. }), "{err:?}");
    assert_eq!(db.schema().await, before, "nothing was reverted");
}

async fn reverting_past_a_forward_only_migration_is_refused_before_anything_is_reverted(
    db: &impl TestDb,
) {
    FORWARD_ONLY_MIDDLE.run(db.pool()).await.unwrap();
    let before = db.schema().await;
    let err = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_to(db.pool(), 1)
        .await
        .unwrap_err();
    let MigrateError::RevertForwardOnly { version: 2, file } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        file,
        "tests/fixtures/forward_only_middle/2_create_books.sql"
    );
    assert_eq!(db.schema().await, before, "3 was not reverted either");
    let report = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_to(db.pool(), 2)
        .await
        .unwrap();
    assert_eq!(versions(&report.reverted), [3]);
    // The same refusal and stop through `revert_last`.
    FORWARD_ONLY_MIDDLE.run(db.pool()).await.unwrap();
    let report = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap();
    assert_eq!(versions(&report.reverted), [3]);
    let err = FORWARD_ONLY_MIDDLE
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::RevertForwardOnly { version: 2, .. }),
        "{err:?}"
    );
}

async fn dry_run_returns_the_plan_and_changes_nothing(db: &impl TestDb) {
    let plan = REVERSIBLE.migrator().dry_run(db.pool()).await.unwrap();
    let files: Vec<&str> = plan.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/reversible/1_create_authors.up.sql",
            "tests/fixtures/reversible/2_create_books.up.sql",
            "tests/fixtures/reversible/3_create_reviews.up.sql"
        ]
    );
    assert_eq!(
        plan.iter().map(|p| p.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(plan[0].sql.starts_with("CREATE TABLE authors"));
    assert!(plan[1].sql.contains("CREATE TABLE books"));
    assert!(db.schema().await.is_empty());
    assert!(db.tables().await.is_empty(), "not even the tracking tables");
    REVERSIBLE
        .migrator()
        .target(1)
        .run(db.pool())
        .await
        .unwrap();
    let plan = REVERSIBLE
        .migrator()
        .target(2)
        .dry_run(db.pool())
        .await
        .unwrap();
    assert_eq!(plan.iter().map(|p| p.version).collect::<Vec<_>>(), [2]);
}

async fn baseline_marks_an_existing_schema_applied_without_running_it(db: &impl TestDb) {
    // The database already has what 10 and 20 create.
    db.exec(BASIC.as_slice()[0].sql).await;
    db.exec(BASIC.as_slice()[1].sql).await;
    let marked = BASIC.migrator().baseline(db.pool(), 20).await.unwrap();
    assert_eq!(marked, [10, 20]);
    let report = BASIC.run(db.pool()).await.unwrap();
    assert_eq!(versions(&report.applied), [30]);
    let status = BASIC.status(db.pool()).await.unwrap();
    assert_eq!(status[0].state, MigrationState::Baseline);
    let events: Vec<EventKind> = BASIC
        .history(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Baseline, EventKind::Baseline, EventKind::Apply]
    );
    let err = BASIC.migrator().baseline(db.pool(), 25).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::UnknownVersion { version: 25, .. }),
        "{err:?}"
    );
}

async fn baseline_then_run_applies_only_the_rest(db: &impl TestDb) {
    db.exec(BASIC.as_slice()[0].sql).await;
    assert_eq!(
        BASIC.migrator().baseline(db.pool(), 10).await.unwrap(),
        [10]
    );
    assert_eq!(
        versions(&BASIC.run(db.pool()).await.unwrap().applied),
        [20, 30]
    );
    assert_eq!(
        BASIC.status(db.pool()).await.unwrap()[0].state,
        MigrationState::Baseline
    );
    let events: Vec<EventKind> = BASIC
        .history(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Baseline, EventKind::Apply, EventKind::Apply]
    );
}

async fn adopts_a_database_that_sqlx_migrated(db: &impl TestDb) {
    db.sqlx_migrate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic"))
        .await;

    let err = BASIC_MODIFIED
        .migrator()
        .import_sqlx(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::OtherChecksumMismatch {
                version: 20,
                tool: schema_runtime::OtherTool::Sqlx,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        BASIC
            .status(db.pool())
            .await
            .unwrap()
            .iter()
            .all(|e| e.state == MigrationState::Pending),
        "nothing recorded"
    );

    let imported = BASIC.migrator().import_sqlx(db.pool()).await.unwrap();
    assert_eq!(imported, [10, 20, 30]);
    assert!(BASIC.run(db.pool()).await.unwrap().up_to_date_at_boot);
    let events: Vec<EventKind> = BASIC
        .history(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, [EventKind::Import; 3]);
    assert_eq!(
        BASIC.migrator().import_sqlx(db.pool()).await.unwrap(),
        Vec::<i64>::new(),
        "a second import adds nothing"
    );
    assert_eq!(
        versions(&BASIC_PLUS.run(db.pool()).await.unwrap().applied),
        [40]
    );
}

async fn adopts_a_legacy_table_of_versions(db: &impl TestDb) {
    db.exec(BASIC.as_slice()[0].sql).await;
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (10);")
        .await;
    let imported = BASIC
        .migrator()
        .import_versions_table(db.pool(), "schema_version")
        .await
        .unwrap();
    assert_eq!(imported, [10]);
    assert_eq!(
        versions(&BASIC.run(db.pool()).await.unwrap().applied),
        [20, 30]
    );
    let err = BASIC
        .migrator()
        .import_versions_table(db.pool(), "nope")
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::NoLegacyTable { .. }), "{err:?}");
    let err = BASIC
        .migrator()
        .import_versions_table(db.pool(), "bad name")
        .await
        .unwrap_err();
    assert!(
        message(&err).starts_with(
            "table name `bad name` is not a plain identifier; give the table of versions"
        ),
        "{err}"
    );
    let err = BASIC.migrator().import_sqlx(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::NoLegacyTable { table } if table == "_sqlx_migrations"),
        "{err:?}"
    );
}

/// A table of versions held as text imports too.
async fn adopts_a_legacy_table_of_versions_held_as_text(db: &impl TestDb) {
    db.exec(BASIC.as_slice()[0].sql).await;
    db.exec("CREATE TABLE schema_version (version TEXT NOT NULL); INSERT INTO schema_version VALUES ('10');")
        .await;
    assert_eq!(
        BASIC
            .migrator()
            .import_versions_table(db.pool(), "schema_version")
            .await
            .unwrap(),
        [10]
    );
    assert_eq!(
        versions(&BASIC.run(db.pool()).await.unwrap().applied),
        [20, 30]
    );
}

/// Each value on a database of its own, the first the one the test was given.
async fn refuses_legacy_versions_that_are_not_whole_numbers<D: TestDb>(_first: &D) {
    for (value, shown) in [
        ("NULL", "NULL"),
        ("'1.1'", "`1.1`"),
        ("2.9", "`2.9`"),
        ("'abc'", "`abc`"),
    ] {
        let db = D::fresh().await;
        db.exec(&format!(
            "CREATE TABLE schema_version (version {}); INSERT INTO schema_version VALUES (10), ({value});",
            D::ANY_TYPE
        ))
        .await;
        let err = BASIC
            .migrator()
            .import_versions_table(db.pool(), "schema_version")
            .await
            .unwrap_err();
        let MigrateError::LegacyVersionNotWhole { value, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(value, shown);
        assert!(message(&err).contains("nothing was imported"), "{err}");
        // Nothing recorded: the run applies every migration.
        assert_eq!(
            versions(&BASIC.run(db.pool()).await.unwrap().applied),
            [10, 20, 30]
        );
    }
}
