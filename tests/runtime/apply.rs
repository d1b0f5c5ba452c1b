//! Apply at boot, tracking, integrity checks, targets, status, modules and processes booting at
//! once: each scenario on an SQLite file and on the PostgreSQL server.

use crate::support::db::TestDb;
use crate::support::message;
use crate::support::replicas::{spawn_replicas, wait_all};
use crate::support::sqlite::with_tracking;
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations, TableNames};

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static BASIC_MODIFIED: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_modified");
static BASIC_WHITESPACE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_whitespace");
static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");
static BASIC_MISSING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_missing");
static OUT_OF_ORDER: Migrations = schema_runtime::embed_migrations!("tests/fixtures/out_of_order");
static MANY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/many");
static FIFTY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/fifty");
static SERVICE: Migrations = schema_runtime::embed_migrations!("migrations");

on_both_databases!(
    all_or_nothing_refuses_a_no_transaction_migration,
    applies_pending_migrations_in_order_then_nothing_on_the_next_boot,
    records_each_migration_and_an_apply_event,
    table_names_are_configurable,
    applies_only_what_is_new_after_an_upgrade,
    refuses_a_modified_migration_naming_the_file_and_both_checksums,
    says_when_only_white_space_differs,
    a_recorded_checksum_that_is_not_one_is_a_mismatch_not_a_white_space_change,
    validates_the_whole_history_before_applying_anything,
    refuses_an_applied_migration_missing_from_the_binary_unless_told_to_ignore_it,
    refuses_a_migration_older_than_the_newest_applied_unless_allowed,
    refuses_modified_missing_and_out_of_order_migrations,
    all_or_nothing_records_every_migration_of_a_long_run,
    target_applies_up_to_a_version_and_stops,
    status_lists_applied_pending_modified_and_missing,
    modules_share_one_database_with_their_own_versions,
    modules_have_their_own_versions_and_locks,
    concurrent_processes_apply_each_migration_exactly_once,
);

async fn applies_pending_migrations_in_order_then_nothing_on_the_next_boot(db: &impl TestDb) {
    let report = BASIC.run(db.pool()).await.unwrap();
    let versions: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(versions, [10, 20, 30]);
    assert_eq!(report.already_applied, 0);
    assert!(!report.up_to_date_at_boot);
    assert_eq!(db.tables().await, with_tracking(&["posts", "users"]));

    let again = BASIC.run(db.pool()).await.unwrap();
    assert!(again.is_noop());
    assert!(
        again.up_to_date_at_boot,
        "the first query found nothing to do"
    );
    assert_eq!(again.already_applied, 3);

    let report = BASIC_PLUS.run(db.pool()).await.unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [40]
    );
    let history = BASIC_PLUS.history(db.pool()).await.unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| e.event == EventKind::Apply)
            .count(),
        4
    );
    assert!(history[0].at.ends_with('Z'), "{}", history[0].at);
}

async fn records_each_migration_and_an_apply_event(db: &impl TestDb) {
    BASIC
        .migrator()
        .applied_by("deploy-bot")
        .run(db.pool())
        .await
        .unwrap();
    let rows = db
        .texts(
            "SELECT module || ' ' || CAST(version AS TEXT) || ' ' || description || ' ' || checksum
                    || ' ' || applied_by || ' ' || status
             FROM _schema_migrations ORDER BY version",
        )
        .await;
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        format!(
            "default 10 create_users {} deploy-bot applied",
            BASIC.as_slice()[0].checksum.to_hex()
        )
    );
    let applied_at = db
        .texts("SELECT CAST(applied_at AS TEXT) FROM _schema_migrations WHERE version = 10")
        .await;
    assert!(applied_at[0].starts_with("20"), "{applied_at:?}");
    assert!(
        db.number("SELECT duration_ms FROM _schema_migrations WHERE version = 10")
            .await
            >= 0
    );

    let history = BASIC.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(
        events,
        [
            (10, EventKind::Apply),
            (20, EventKind::Apply),
            (30, EventKind::Apply)
        ]
    );
    assert!(history.iter().all(|e| e.by == "deploy-bot"));
}

async fn refuses_modified_missing_and_out_of_order_migrations(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let err = BASIC_MODIFIED.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::ChecksumMismatch {
                version: 20,
                whitespace_only: false,
                ..
            }
        ),
        "{err:?}"
    );
    let err = BASIC_WHITESPACE.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::ChecksumMismatch {
                version: 20,
                whitespace_only: true,
                ..
            }
        ),
        "{err:?}"
    );
    let err = BASIC_MISSING.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::MissingMigration { version: 30, .. }),
        "{err:?}"
    );
    let err = OUT_OF_ORDER.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::OutOfOrder { version: 15, .. }),
        "{err:?}"
    );
    let states: Vec<MigrationState> = BASIC_MODIFIED
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
            MigrationState::Modified,
            MigrationState::Applied
        ]
    );
}

async fn all_or_nothing_records_every_migration_of_a_long_run(db: &impl TestDb) {
    // More migrations than one multi-row insert of tracking rows takes (100).
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("migrations")).unwrap();
    for v in 1..=250 {
        std::fs::write(
            folder
                .path()
                .join(format!("migrations/{v:03}_create_t{v}.sql")),
            format!("CREATE TABLE t{v} (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n"),
        )
        .unwrap();
    }
    let set = Migrations::load(folder.path(), "migrations").unwrap();
    let report = set
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 250);
    let applied = "FROM _schema_migrations WHERE status = 'applied'";
    let rows = db.number(&format!("SELECT count(*) {applied}")).await;
    let checksums = db
        .number(&format!("SELECT count(DISTINCT checksum) {applied}"))
        .await;
    assert_eq!((rows, checksums), (250, 250));
    let history = set.history(db.pool()).await.unwrap();
    assert_eq!(history.len(), 250);
    assert!(history.iter().all(|e| e.event == EventKind::Apply));
    assert_eq!(history[249].version, 250);
    let status = set.status(db.pool()).await.unwrap();
    assert!(status.iter().all(|e| e.state == MigrationState::Applied));
    assert!(set.run(db.pool()).await.unwrap().up_to_date_at_boot);
}

async fn modules_have_their_own_versions_and_locks(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let report = FIFTY
        .migrator()
        .module("plugin")
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 50);
    assert!(BASIC.run(db.pool()).await.unwrap().up_to_date_at_boot);
}

/// Six processes on the set of 30 and eight on the set of 50, each set on a database of its
/// own (the first the one the test was given).
async fn concurrent_processes_apply_each_migration_exactly_once<D: TestDb>(first: &D) {
    let second = D::fresh().await;
    for (db, set, processes, count) in [(first, "many", 6, 30), (&second, "fifty", 8, 50)] {
        let mut applied_by_processes = wait_all(spawn_replicas(db.address(), set, processes, &[]));
        applied_by_processes.sort();
        assert_eq!(
            applied_by_processes.len(),
            count,
            "each migration applied by exactly one process"
        );
        applied_by_processes.dedup();
        assert_eq!(applied_by_processes.len(), count);
        let applies = db
            .number("SELECT count(*) FROM _schema_history WHERE event = 'apply'")
            .await;
        assert_eq!(applies, count as i64);
        assert_eq!(db.applied_versions().await.len(), count);
    }
}

async fn table_names_are_configurable(db: &impl TestDb) {
    BASIC
        .migrator()
        .table_names(TableNames::with_prefix("app_schema"))
        .run(db.pool())
        .await
        .unwrap();
    let names = db.tables().await;
    assert!(
        names.contains(&"app_schema_migrations".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"_schema_migrations".to_owned()),
        "{names:?}"
    );
    let bad = BASIC
        .migrator()
        .table_names(TableNames::with_prefix("x; DROP TABLE users"))
        .run(db.pool())
        .await;
    assert!(
        matches!(bad, Err(MigrateError::InvalidTableName { .. })),
        "{bad:?}"
    );
    let empty = BASIC.migrator().module(" ").run(db.pool()).await;
    assert!(matches!(empty, Err(MigrateError::EmptyModule)), "{empty:?}");
}

async fn applies_only_what_is_new_after_an_upgrade(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let report = BASIC_PLUS.run(db.pool()).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].version, 40);
    assert_eq!(report.already_applied, 3);
}

async fn refuses_a_modified_migration_naming_the_file_and_both_checksums(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let err = BASIC_MODIFIED.run(db.pool()).await.unwrap_err();
    let MigrateError::ChecksumMismatch {
        version,
        file,
        applied,
        embedded,
        whitespace_only,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*version, 20);
    assert_eq!(file, "tests/fixtures/basic_modified/20_create_posts.sql");
    assert_eq!(*applied, BASIC.as_slice()[1].checksum);
    assert_eq!(*embedded, BASIC_MODIFIED.as_slice()[1].checksum);
    assert!(!whitespace_only);
    let message = message(&err);
    assert!(
        message.contains(&applied.to_hex()) && message.contains(&embedded.to_hex()),
        "{message}"
    );
}

async fn says_when_only_white_space_differs(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let err = BASIC_WHITESPACE.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::ChecksumMismatch {
                version: 20,
                whitespace_only: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message(&err).contains("only white space or line endings differ"));
    let entry = &BASIC_WHITESPACE.status(db.pool()).await.unwrap()[1];
    assert_eq!(entry.state, MigrationState::Modified);
    assert!(entry.whitespace_only);
    assert_eq!(entry.applied_checksum, Some(BASIC.as_slice()[1].checksum));
    assert_eq!(
        entry.checksum,
        Some(BASIC_WHITESPACE.as_slice()[1].checksum)
    );
}

async fn a_recorded_checksum_that_is_not_one_is_a_mismatch_not_a_white_space_change(
    db: &impl TestDb,
) {
    BASIC.run(db.pool()).await.unwrap();
    db.exec("UPDATE _schema_migrations SET checksum = 'zz' WHERE version = 20")
        .await;
    let err = BASIC
        .migrator()
        .target(30)
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::ChecksumMismatch {
                version: 20,
                whitespace_only: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!BASIC.status(db.pool()).await.unwrap()[1].whitespace_only);
}

async fn validates_the_whole_history_before_applying_anything(db: &impl TestDb) {
    // 40 is pending, but 20 was modified: nothing may be applied.
    BASIC_MISSING.run(db.pool()).await.unwrap();
    let modified_and_more: &Migrations = &BASIC_MODIFIED;
    let err = modified_and_more.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { version: 20, .. }),
        "{err:?}"
    );
    assert_eq!(db.applied_versions().await.len(), 2, "30 was not applied");
}

async fn refuses_an_applied_migration_missing_from_the_binary_unless_told_to_ignore_it(
    db: &impl TestDb,
) {
    BASIC.run(db.pool()).await.unwrap();
    let err = BASIC_MISSING.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::MissingMigration { version: 30, description, .. } if description == "add_users_bio"),
        "{err:?}"
    );
    let report = BASIC_MISSING
        .migrator()
        .ignore_missing()
        .run(db.pool())
        .await
        .unwrap();
    assert!(report.is_noop());
}

async fn refuses_a_migration_older_than_the_newest_applied_unless_allowed(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let err = OUT_OF_ORDER.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::OutOfOrder {
                version: 15,
                newest_applied: 30,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!db.tables().await.contains(&"sessions".to_owned()));
    let report = OUT_OF_ORDER
        .migrator()
        .allow_out_of_order()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [15]
    );
}

async fn all_or_nothing_refuses_a_no_transaction_migration(db: &impl TestDb) {
    let err = SERVICE
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::NoTransactionInAllOrNothing {
                version: 20250105130000,
                ..
            }
        ),
        "{err:?}"
    );
    // Refused before anything was written: not even the tracking tables.
    assert!(db.tables().await.is_empty());
}

async fn target_applies_up_to_a_version_and_stops(db: &impl TestDb) {
    let report = BASIC_PLUS
        .migrator()
        .target(20)
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [10, 20]
    );
    let err = BASIC_PLUS
        .migrator()
        .target(25)
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::UnknownVersion {
                version: 25,
                first: 10,
                last: 40
            }
        ),
        "{err:?}"
    );
}

async fn status_lists_applied_pending_modified_and_missing(db: &impl TestDb) {
    let status = BASIC.status(db.pool()).await.unwrap();
    assert!(
        status.iter().all(|e| e.state == MigrationState::Pending),
        "no tables yet: {status:?}"
    );
    BASIC.migrator().target(20).run(db.pool()).await.unwrap();
    let states = |entries: Vec<schema_runtime::StatusEntry>| -> Vec<(i64, MigrationState)> {
        entries.iter().map(|e| (e.version, e.state)).collect()
    };
    assert_eq!(
        states(BASIC.status(db.pool()).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Applied),
            (30, MigrationState::Pending)
        ]
    );
    BASIC.run(db.pool()).await.unwrap();
    assert_eq!(
        states(BASIC_MODIFIED.status(db.pool()).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Modified),
            (30, MigrationState::Applied)
        ]
    );
    assert_eq!(
        states(BASIC_MISSING.status(db.pool()).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Applied),
            (30, MigrationState::Missing)
        ]
    );
    let entry = &BASIC.status(db.pool()).await.unwrap()[0];
    assert!(entry.applied_at.is_some() && entry.duration_ms.is_some());
    assert_eq!(
        entry.file.as_deref(),
        Some("tests/fixtures/basic/10_create_users.sql")
    );
    assert!(entry.checked, "the macro checked the SQL");
}

async fn modules_share_one_database_with_their_own_versions(db: &impl TestDb) {
    BASIC.run(db.pool()).await.unwrap();
    let report = MANY
        .migrator()
        .module("plugin")
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 30);
    assert!(BASIC.run(db.pool()).await.unwrap().up_to_date_at_boot);
    assert!(
        MANY.migrator()
            .module("plugin")
            .run(db.pool())
            .await
            .unwrap()
            .up_to_date_at_boot
    );
}
