//! The runtime against real SQLite files: apply at boot, tracking, integrity checks, failures,
//! concurrent processes and a migrator killed half-way.

use crate::support::message;
use crate::support::replicas;
use crate::support::sqlite;

use replicas::{fixture_migrator, spawn_replicas, wait_all};
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations, TableNames};
use sqlite::{applied_versions, fresh, tables, with_tracking};
use sqlx::Row;
use std::path::PathBuf;
use std::time::Duration;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static BASIC_MODIFIED: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_modified");
static BASIC_WHITESPACE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_whitespace");
static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");
static BASIC_MISSING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic_missing");
static OUT_OF_ORDER: Migrations = schema_runtime::embed_migrations!("tests/fixtures/out_of_order");
static NO_TX_FAILING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/no_tx_failing", check = false);
static MANY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/many");
static SERVICE: Migrations = schema_runtime::embed_migrations!("migrations");

#[tokio::test]
async fn applies_pending_migrations_in_order_then_nothing_on_the_next_boot() {
    let db = fresh().await;
    let report = BASIC.run(&db.pool).await.unwrap();
    let versions: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(versions, [10, 20, 30]);
    assert_eq!(report.already_applied, 0);
    assert!(!report.up_to_date_at_boot);
    assert_eq!(tables(&db.pool).await, with_tracking(&["posts", "users"]));

    let again = BASIC.run(&db.pool).await.unwrap();
    assert!(again.is_noop());
    assert!(
        again.up_to_date_at_boot,
        "the first query found nothing to do"
    );
    assert_eq!(again.already_applied, 3);
}

#[tokio::test]
async fn records_each_migration_and_an_apply_event() {
    let db = fresh().await;
    BASIC
        .migrator()
        .applied_by("deploy-bot")
        .run(&db.pool)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT module, version, description, checksum, applied_at, applied_by, duration_ms, status FROM _schema_migrations ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    let first = &rows[0];
    assert_eq!(first.get::<String, _>("module"), "default");
    assert_eq!(first.get::<i64, _>("version"), 10);
    assert_eq!(first.get::<String, _>("description"), "create_users");
    assert_eq!(
        first.get::<String, _>("checksum"),
        BASIC.as_slice()[0].checksum.to_hex()
    );
    assert_eq!(first.get::<String, _>("applied_by"), "deploy-bot");
    assert_eq!(first.get::<String, _>("status"), "applied");
    assert!(first.get::<String, _>("applied_at").starts_with("20"));
    assert!(first.get::<i64, _>("duration_ms") >= 0);

    let history = BASIC.history(&db.pool).await.unwrap();
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

#[tokio::test]
async fn table_names_are_configurable() {
    let db = fresh().await;
    BASIC
        .migrator()
        .table_names(TableNames::with_prefix("app_schema"))
        .run(&db.pool)
        .await
        .unwrap();
    let names = tables(&db.pool).await;
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
        .run(&db.pool)
        .await;
    assert!(
        matches!(bad, Err(MigrateError::InvalidTableName { .. })),
        "{bad:?}"
    );
    let empty = BASIC.migrator().module(" ").run(&db.pool).await;
    assert!(matches!(empty, Err(MigrateError::EmptyModule)), "{empty:?}");
}

#[tokio::test]
async fn applies_only_what_is_new_after_an_upgrade() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let report = BASIC_PLUS.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].version, 40);
    assert_eq!(report.already_applied, 3);
}

#[tokio::test]
async fn refuses_a_modified_migration_naming_the_file_and_both_checksums() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let err = BASIC_MODIFIED.run(&db.pool).await.unwrap_err();
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

#[tokio::test]
async fn says_when_only_white_space_differs() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let err = BASIC_WHITESPACE.run(&db.pool).await.unwrap_err();
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
    let entry = &BASIC_WHITESPACE.status(&db.pool).await.unwrap()[1];
    assert_eq!(entry.state, MigrationState::Modified);
    assert!(entry.whitespace_only);
    assert_eq!(entry.applied_checksum, Some(BASIC.as_slice()[1].checksum));
    assert_eq!(
        entry.checksum,
        Some(BASIC_WHITESPACE.as_slice()[1].checksum)
    );
}

#[tokio::test]
async fn a_recorded_checksum_that_is_not_one_is_a_mismatch_not_a_white_space_change() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    sqlx::query("UPDATE _schema_migrations SET checksum = 'zz' WHERE version = 20")
        .execute(&db.pool)
        .await
        .unwrap();
    let err = BASIC.migrator().target(30).run(&db.pool).await.unwrap_err();
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
    assert!(!BASIC.status(&db.pool).await.unwrap()[1].whitespace_only);
}

#[tokio::test]
async fn validates_the_whole_history_before_applying_anything() {
    // 40 is pending, but 20 was modified: nothing may be applied.
    let db = fresh().await;
    BASIC_MISSING.run(&db.pool).await.unwrap();
    let modified_and_more: &Migrations = &BASIC_MODIFIED;
    let err = modified_and_more.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { version: 20, .. }),
        "{err:?}"
    );
    assert_eq!(
        applied_versions(&db.pool).await.len(),
        2,
        "30 was not applied"
    );
}

#[tokio::test]
async fn refuses_an_applied_migration_missing_from_the_binary_unless_told_to_ignore_it() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let err = BASIC_MISSING.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::MissingMigration { version: 30, description, .. } if description == "add_users_bio"),
        "{err:?}"
    );
    let report = BASIC_MISSING
        .migrator()
        .ignore_missing()
        .run(&db.pool)
        .await
        .unwrap();
    assert!(report.is_noop());
}

#[tokio::test]
async fn refuses_a_migration_older_than_the_newest_applied_unless_allowed() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let err = OUT_OF_ORDER.run(&db.pool).await.unwrap_err();
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
    assert!(!tables(&db.pool).await.contains(&"sessions".to_owned()));
    let report = OUT_OF_ORDER
        .migrator()
        .allow_out_of_order()
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [15]
    );
}

#[tokio::test]
async fn all_or_nothing_refuses_a_no_transaction_migration() {
    let db = fresh().await;
    let err = SERVICE
        .migrator()
        .all_or_nothing()
        .run(&db.pool)
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
    assert!(tables(&db.pool).await.is_empty());
}

#[tokio::test]
async fn a_failed_no_transaction_migration_is_recorded_and_refused_until_repaired() {
    let db = fresh().await;
    let err = NO_TX_FAILING.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 2,
                line: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message(&err).contains("recorded as failed"), "{err}");
    // The first statement ran and stays; its progress is recorded.
    let index_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'items_name_idx'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(index_count, 1);
    let (status, done, total): (String, i64, i64) = sqlx::query_as(
        "SELECT status, statements_done, statements_total FROM _schema_migrations WHERE version = 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), done, total), ("failed", 1, 3));

    // The next boot refuses and says what to do.
    let err = NO_TX_FAILING.run(&db.pool).await.unwrap_err();
    let MigrateError::Dirty {
        version: 2,
        progress,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(progress, "1 of 3 statements ran");
    let message = message(&err);
    assert!(
        message.contains("repair(2)") && message.contains("price_in_cents"),
        "{message}"
    );
    assert_eq!(
        NO_TX_FAILING.status(&db.pool).await.unwrap()[1].state,
        MigrationState::Failed
    );

    // Fixed by hand, then marked resolved.
    sqlx::raw_sql("CREATE INDEX items_name_price_idx ON items (name, price)")
        .execute(&db.pool)
        .await
        .unwrap();
    NO_TX_FAILING.migrator().repair(&db.pool, 2).await.unwrap();
    let report = NO_TX_FAILING.run(&db.pool).await.unwrap();
    assert!(report.up_to_date_at_boot, "{report:?}");
    let events: Vec<EventKind> = NO_TX_FAILING
        .history(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [EventKind::Apply, EventKind::Failure, EventKind::Repair]
    );
    let err = NO_TX_FAILING
        .migrator()
        .repair(&db.pool, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::NotFailed { version: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn runs_a_no_transaction_file_statement_by_statement() {
    let db = fresh().await;
    let report = SERVICE.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 7);
    let (done, total): (i64, i64) = sqlx::query_as(
        "SELECT statements_done, statements_total FROM _schema_migrations WHERE version = 20250105130000",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((done, total), (2, 2));
}

#[tokio::test]
async fn target_applies_up_to_a_version_and_stops() {
    let db = fresh().await;
    let report = BASIC_PLUS
        .migrator()
        .target(20)
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [10, 20]
    );
    let err = BASIC_PLUS
        .migrator()
        .target(25)
        .run(&db.pool)
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

#[tokio::test]
async fn status_lists_applied_pending_modified_and_missing() {
    let db = fresh().await;
    let status = BASIC.status(&db.pool).await.unwrap();
    assert!(
        status.iter().all(|e| e.state == MigrationState::Pending),
        "no tables yet: {status:?}"
    );
    BASIC.migrator().target(20).run(&db.pool).await.unwrap();
    let states = |entries: Vec<schema_runtime::StatusEntry>| -> Vec<(i64, MigrationState)> {
        entries.iter().map(|e| (e.version, e.state)).collect()
    };
    assert_eq!(
        states(BASIC.status(&db.pool).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Applied),
            (30, MigrationState::Pending)
        ]
    );
    BASIC.run(&db.pool).await.unwrap();
    assert_eq!(
        states(BASIC_MODIFIED.status(&db.pool).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Modified),
            (30, MigrationState::Applied)
        ]
    );
    assert_eq!(
        states(BASIC_MISSING.status(&db.pool).await.unwrap()),
        [
            (10, MigrationState::Applied),
            (20, MigrationState::Applied),
            (30, MigrationState::Missing)
        ]
    );
    let entry = &BASIC.status(&db.pool).await.unwrap()[0];
    assert!(entry.applied_at.is_some() && entry.duration_ms.is_some());
    assert_eq!(
        entry.file.as_deref(),
        Some("tests/fixtures/basic/10_create_users.sql")
    );
    assert!(entry.checked, "the macro checked the SQL");
}

#[tokio::test]
async fn modules_share_one_database_with_their_own_versions() {
    let db = fresh().await;
    BASIC.run(&db.pool).await.unwrap();
    let report = MANY
        .migrator()
        .module("plugin")
        .run(&db.pool)
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 30);
    assert!(BASIC.run(&db.pool).await.unwrap().up_to_date_at_boot);
    assert!(
        MANY.migrator()
            .module("plugin")
            .run(&db.pool)
            .await
            .unwrap()
            .up_to_date_at_boot
    );
}

#[tokio::test]
async fn waits_for_the_lock_at_most_the_configured_time_and_names_the_holder() {
    let db = fresh().await;
    let lock_path = format!("{}-schema-lock", db.path.display());
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.lock().unwrap();
    std::fs::write(&lock_path, "process 4242 of ops@deploy-host").unwrap();
    let started = std::time::Instant::now();
    let err = BASIC
        .migrator()
        .lock_timeout(Duration::from_millis(300))
        .run(&db.pool)
        .await
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let MigrateError::LockTimeout { holder: who, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(who.contains("process 4242 of ops@deploy-host"), "{who}");
    holder.unlock().unwrap();
    BASIC.run(&db.pool).await.unwrap();
}

#[tokio::test]
async fn concurrent_processes_apply_each_migration_exactly_once() {
    let db = fresh().await;
    let mut applied_by_processes = wait_all(spawn_replicas(&db.path, "many", 6, &[]));
    applied_by_processes.sort();
    assert_eq!(
        applied_by_processes.len(),
        30,
        "each migration applied by exactly one process"
    );
    applied_by_processes.dedup();
    assert_eq!(applied_by_processes.len(), 30);
    let applies: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _schema_history WHERE event = 'apply'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(applies, 30);
    assert_eq!(applied_versions(&db.pool).await.len(), 30);
}

#[tokio::test]
async fn a_migrator_killed_half_way_leaves_nothing_and_the_next_boot_applies_cleanly() {
    let db = fresh().await;
    let mut child = fixture_migrator(&db.path, "long")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the long migration is running: its transaction holds the journal open.
    let journal = PathBuf::from(format!("{}-journal", db.path.display()));
    let started = std::time::Instant::now();
    loop {
        let version_one: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'numbers'")
                .fetch_one(&db.pool)
                .await
                .unwrap_or(0);
        if version_one == 1 && journal.exists() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the long migration never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed before it finished");

    let versions = applied_versions(&db.pool).await;
    assert_eq!(versions, [(1, "applied".to_owned())], "2 was not recorded");
    // 1's event was owed to 2's transaction, which the kill rolled back.
    let events: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, event FROM _schema_history ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(events, []);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM numbers")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the killed transaction was rolled back");

    let output = fixture_migrator(&db.path, "long").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .collect::<Vec<_>>(),
        ["started", "applied 2"]
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM numbers")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 3_000_000);
    // The next boot wrote the event the killed run owed, before its own, from 1's row.
    let events: Vec<(i64, String, bool)> = sqlx::query_as(
        "SELECT e.version, e.event, e.at = m.applied_at FROM _schema_history e
         JOIN _schema_migrations m USING (module, version) ORDER BY e.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        [(1, "apply".to_owned(), true), (2, "apply".to_owned(), true)]
    );
}

#[tokio::test]
async fn all_or_nothing_records_every_migration_of_a_long_run() {
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
    let db = fresh().await;
    let report = set.migrator().all_or_nothing().run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 250);
    let (rows, checksums): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT checksum) FROM _schema_migrations WHERE status = 'applied'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((rows, checksums), (250, 250));
    let history = set.history(&db.pool).await.unwrap();
    assert_eq!(history.len(), 250);
    assert!(history.iter().all(|e| e.event == EventKind::Apply));
    assert_eq!(history[249].version, 250);
    let status = set.status(&db.pool).await.unwrap();
    assert!(status.iter().all(|e| e.state == MigrationState::Applied));
    assert!(set.run(&db.pool).await.unwrap().up_to_date_at_boot);
}
