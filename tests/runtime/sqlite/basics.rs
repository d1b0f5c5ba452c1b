//! SQLite's own: a failed `-- no-transaction` file of SQLite SQL, the service's folder applied
//! statement by statement, the lock file and its holder, and a migrator killed half-way.

use crate::support::message;
use crate::support::replicas;
use crate::support::sqlite;

use replicas::fixture_migrator;
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};
use sqlite::{applied_versions, fresh};
use std::path::PathBuf;
use std::time::Duration;

static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static NO_TX_FAILING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/no_tx_failing", check = false);
static SERVICE: Migrations = schema_runtime::embed_migrations!("migrations");

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
    // 1 committed with its event; 2's transaction, killed, left nothing.
    let events: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, event FROM _schema_history ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(events, [(1, "apply".to_owned())]);
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
    // Each event was written with its migration, copied from its row.
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
