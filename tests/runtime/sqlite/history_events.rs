//! The history's `apply` events against real SQLite files. A migration's `apply` event is
//! written in the migration's own transaction, copied from its row: it commits with the
//! migration or not at all. These tests hold the history to what a reader must find: one
//! event per applied migration, in the order they were applied, carrying its row's time,
//! author and duration; and a migration whose event cannot be written is not applied.

use crate::support::folders;
use crate::support::replicas;
use crate::support::sqlite;

use folders::files;
use replicas::fixture_migrator;
use schema_runtime::Migrations;
use sqlite::{applied_versions, fresh};
use sqlx::SqlitePool;
use tempfile::TempDir;

/// Five migrations, the third a `-- no-transaction` file.
const FILES: [(&str, &str); 5] = [
    ("1_create_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"),
    ("2_create_b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);\n"),
    (
        "3_index_b.sql",
        "-- no-transaction\nCREATE INDEX b_id ON b (id);\nCREATE TABLE c (id INTEGER PRIMARY KEY);\n",
    ),
    ("4_create_d.sql", "CREATE TABLE d (id INTEGER PRIMARY KEY);\n"),
    ("5_create_e.sql", "CREATE TABLE e (id INTEGER PRIMARY KEY);\n"),
];

/// Five migrations, each in a transaction of its own.
const TRANSACTIONAL: [(&str, &str); 5] = [
    FILES[0],
    FILES[1],
    (
        "3_create_c.sql",
        "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
    ),
    FILES[3],
    FILES[4],
];

/// The history's events as (version, event), in the order they were written.
async fn events(pool: &SqlitePool) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT version, event FROM _schema_history ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

fn applies(versions: &[i64]) -> Vec<(i64, String)> {
    versions.iter().map(|v| (*v, "apply".to_owned())).collect()
}

fn owned(events: &[(i64, &str)]) -> Vec<(i64, String)> {
    events.iter().map(|(v, e)| (*v, e.to_string())).collect()
}

/// Every applied row has exactly one `apply` event, which carries the row's time, author,
/// duration and checksum, unless it was repaired (its event is then the repair).
async fn assert_events_copy_their_rows(pool: &SqlitePool) {
    let unmatched: Vec<i64> = sqlx::query_scalar(
        "SELECT m.version FROM _schema_migrations m
         WHERE m.status = 'applied' AND (
             SELECT count(*) FROM _schema_history e
             WHERE e.module = m.module AND e.version = m.version AND e.event = 'apply'
               AND e.at = m.applied_at AND e.by = m.applied_by
               AND e.duration_ms = m.duration_ms AND e.checksum = m.checksum
         ) <> 1
         AND NOT EXISTS (
             SELECT 1 FROM _schema_history r
             WHERE r.version = m.version AND r.event = 'repair' AND r.at >= m.applied_at
         )",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(unmatched, Vec::<i64>::new(), "rows without their one event");
}

/// Makes every insert into the history fail, as a full disk or a broken table would; only
/// those of runs by `who` when given (`applied_by`), the others' going through.
async fn break_history_of(pool: &SqlitePool, who: Option<&str>) {
    let when = who.map_or(String::new(), |who| format!("WHEN NEW.by = '{who}'"));
    sqlx::query(&format!(
        "CREATE TRIGGER no_history BEFORE INSERT ON _schema_history {when}
         BEGIN SELECT RAISE(ABORT, 'the history cannot be written'); END"
    ))
    .execute(pool)
    .await
    .unwrap();
}

async fn break_history(pool: &SqlitePool) {
    break_history_of(pool, None).await;
}

async fn mend_history(pool: &SqlitePool) {
    sqlx::query("DROP TRIGGER no_history")
        .execute(pool)
        .await
        .unwrap();
}

/// Applies the first `applied` of `files`, then runs them all while the history cannot be
/// written: the run fails at its first migration, whose transaction writes its event, and
/// nothing of that migration stays. Returns the whole set, with the history writable again.
async fn stopped_run(
    pool: &SqlitePool,
    files: &[(&str, &str)],
    applied: usize,
) -> (TempDir, Migrations) {
    let (_dir, first) = folders::files(&files[..applied]);
    first.run(pool).await.unwrap();
    break_history(pool).await;
    let (dir, set) = folders::files(files);
    set.run(pool).await.unwrap_err();
    mend_history(pool).await;
    (dir, set)
}

#[tokio::test]
async fn every_migration_of_a_run_has_its_apply_event_in_order() {
    let db = fresh().await;
    let (_dir, first) = files(&FILES[..2]);
    first.run(&db.pool).await.unwrap();
    assert_eq!(events(&db.pool).await, applies(&[1, 2]));
    // A run of several, a `-- no-transaction` file among them.
    let (_dir, all) = files(&FILES);
    let report = all.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 3);
    assert_eq!(events(&db.pool).await, applies(&[1, 2, 3, 4, 5]));
    assert_events_copy_their_rows(&db.pool).await;
    // As the public reader returns them.
    let history = all.history(&db.pool).await.unwrap();
    let versions: Vec<i64> = history.iter().map(|e| e.version).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_failure_comes_after_the_events_of_what_the_run_applied_before_it() {
    let db = fresh().await;
    let mut failing = FILES[..2].to_vec();
    failing.push((
        "3_broken.sql",
        "CREATE TABLE c (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n",
    ));
    let (_dir, set) = files(&failing);
    set.run(&db.pool).await.unwrap_err();
    assert_eq!(
        events(&db.pool).await,
        owned(&[(1, "apply"), (2, "apply"), (3, "failure")])
    );
    assert_events_copy_their_rows(&db.pool).await;
}

#[tokio::test]
async fn a_migration_whose_event_cannot_be_written_is_not_applied() {
    let db = fresh().await;
    let (_dir, set) = stopped_run(&db.pool, &TRANSACTIONAL[..3], 1).await;
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
    assert_eq!(events(&db.pool).await, applies(&[1]));
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(tables, 0, "2 was rolled back with its event");
    let report = set.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(events(&db.pool).await, applies(&[1, 2, 3]));
    assert_events_copy_their_rows(&db.pool).await;
}

#[tokio::test]
async fn a_run_stopped_by_a_database_error_reports_what_it_applied_before() {
    let db = fresh().await;
    // The history refuses 3's event only: 1 and 2 are applied by the same run first.
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS _schema_history (
             id INTEGER PRIMARY KEY, module TEXT NOT NULL, version INTEGER NOT NULL,
             description TEXT NOT NULL, event TEXT NOT NULL, checksum TEXT, at TEXT NOT NULL,
             by TEXT NOT NULL, duration_ms INTEGER, detail TEXT)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER no_third BEFORE INSERT ON _schema_history WHEN NEW.version = 3
         BEGIN SELECT RAISE(ABORT, 'the history cannot be written'); END",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let (_dir, set) = files(&TRANSACTIONAL);
    let err = set.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, schema_runtime::MigrateError::Database { .. }),
        "{err:?}"
    );
    let before: Vec<i64> = err.applied_before().iter().map(|m| m.version).collect();
    assert_eq!(before, [1, 2]);
    assert_eq!(events(&db.pool).await, applies(&[1, 2]));
}

#[tokio::test]
async fn a_repair_writes_its_event_after_the_applied_ones() {
    let db = fresh().await;
    // 3, a `-- no-transaction` file, runs its statements and then cannot record them: its
    // row stays `running`, and the next run refuses.
    let (_dir, all) = stopped_run(&db.pool, &FILES, 2).await;
    assert_eq!(
        applied_versions(&db.pool).await[2],
        (3, "running".to_owned())
    );
    all.run(&db.pool).await.unwrap_err();
    all.migrator().repair(&db.pool, 3).await.unwrap();
    assert_eq!(
        events(&db.pool).await,
        owned(&[(1, "apply"), (2, "apply"), (3, "repair")])
    );
    assert_events_copy_their_rows(&db.pool).await;
    all.run(&db.pool).await.unwrap();
    assert_eq!(events(&db.pool).await[3..], applies(&[4, 5]));
}

#[tokio::test]
async fn a_revert_after_a_stopped_run_writes_its_event_after_the_applied_ones() {
    let db = fresh().await;
    let reversible = [
        (
            "1_create_a.up.sql",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        ),
        ("1_create_a.down.sql", "DROP TABLE a;\n"),
        (
            "2_create_b.up.sql",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
        ),
        ("2_create_b.down.sql", "DROP TABLE b;\n"),
        (
            "3_create_c.up.sql",
            "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
        ),
        ("3_create_c.down.sql", "DROP TABLE c;\n"),
    ];
    let (_dir, set) = stopped_run(&db.pool, &reversible, 4).await;
    assert_eq!(events(&db.pool).await, applies(&[1, 2]));
    set.migrator().revert_last(&db.pool, 1).await.unwrap();
    assert_eq!(
        events(&db.pool).await,
        owned(&[(1, "apply"), (2, "apply"), (2, "revert")])
    );
}

#[tokio::test]
async fn all_or_nothing_writes_one_event_per_migration_in_order() {
    let db = fresh().await;
    let (_dir, _) = stopped_run(&db.pool, &TRANSACTIONAL[..3], 1).await;
    assert_eq!(events(&db.pool).await, applies(&[1]));
    let (_dir, all) = files(&TRANSACTIONAL);
    let report = all.migrator().all_or_nothing().run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 4);
    assert_eq!(events(&db.pool).await, applies(&[1, 2, 3, 4, 5]));
    assert_events_copy_their_rows(&db.pool).await;
}

#[tokio::test]
async fn events_keep_the_order_migrations_were_applied_in() {
    let db = fresh().await;
    let one = ("1_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    let three = ("3_c.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY);\n");
    let five = ("5_e.sql", "CREATE TABLE e (id INTEGER PRIMARY KEY);\n");
    let six = ("6_f.sql", "CREATE TABLE f (id INTEGER PRIMARY KEY);\n");
    let (_dir, first) = files(&[one, five]);
    first.run(&db.pool).await.unwrap();
    // A branch merged 3, applied out of order after 5.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (_dir, merged) = files(&[one, three, five, six]);
    merged
        .migrator()
        .allow_out_of_order()
        .run(&db.pool)
        .await
        .unwrap();
    let by_time: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _schema_migrations ORDER BY applied_at, version")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(by_time, [1, 5, 3, 6]);
    let history: Vec<i64> = events(&db.pool).await.into_iter().map(|(v, _)| v).collect();
    assert_eq!(history, by_time);
    assert_events_copy_their_rows(&db.pool).await;
}

#[tokio::test]
async fn a_run_that_waited_for_the_lock_looks_again_at_the_module_row() {
    const REVERSIBLE: [(&str, &str); 10] = [
        ("1_a.up.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"),
        ("1_a.down.sql", "DROP TABLE a;\n"),
        ("2_b.up.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);\n"),
        ("2_b.down.sql", "DROP TABLE b;\n"),
        ("3_c.up.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY);\n"),
        ("3_c.down.sql", "DROP TABLE c;\n"),
        ("4_d.up.sql", "CREATE TABLE d (id INTEGER PRIMARY KEY);\n"),
        ("4_d.down.sql", "DROP TABLE d;\n"),
        ("5_e.up.sql", "CREATE TABLE e (id INTEGER PRIMARY KEY);\n"),
        ("5_e.down.sql", "DROP TABLE e;\n"),
    ];
    let db = fresh().await;
    let (_dir, three) = files(&REVERSIBLE[..6]);
    let (_dir, four) = files(&REVERSIBLE[..8]);
    let (_dir, five) = files(&REVERSIBLE);
    three.run(&db.pool).await.unwrap();
    // A peer reaches the same file under a second name (a hard link), so that its lock file
    // is its own: it stands for a peer that took the lock between this run's first query and
    // its lock, while the test holds this run's lock to order things.
    let peer_path = db.path.with_file_name("peer.db");
    std::fs::hard_link(&db.path, &peer_path).unwrap();
    let peer = sqlite::open(&peer_path).await;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{}-schema-lock", db.path.display()))
        .unwrap();
    lock.try_lock().unwrap();
    // This run reads the module row (3 applied) and waits for the lock.
    let set: &'static Migrations = Box::leak(Box::new(five));
    let pool = db.pool.clone();
    let waiting = tokio::spawn(async move { set.run(&pool).await });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    // Meanwhile 3 is reverted, and a run of 1..4 cannot apply 3 again (its event cannot be
    // written): the applied rows say what they said before the revert, but the module row
    // the first query read is gone.
    four.migrator().revert_last(&peer, 1).await.unwrap();
    break_history_of(&peer, Some("peer")).await;
    let stopped = four.migrator().applied_by("peer").run(&peer).await;
    assert!(stopped.is_err());
    mend_history(&peer).await;
    assert_eq!(
        events(&db.pool).await,
        owned(&[(1, "apply"), (2, "apply"), (3, "apply"), (3, "revert")])
    );
    lock.unlock().unwrap();
    waiting.await.unwrap().unwrap();
    assert_eq!(
        events(&db.pool).await,
        owned(&[
            (1, "apply"),
            (2, "apply"),
            (3, "apply"),
            (3, "revert"),
            (3, "apply"),
            (4, "apply"),
            (5, "apply")
        ])
    );
    assert_events_copy_their_rows(&db.pool).await;
}

#[tokio::test]
async fn a_run_that_found_no_tables_before_the_lock_finds_a_killed_peers_events() {
    let db = fresh().await;
    // The peer, a real process, creates the tracking tables in its first migration's long
    // transaction, commits 1 and 2 (each with its event) and is killed inside 3.
    let mut peer = fixture_migrator(&db.path, "owed_by_a_killed_peer")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = std::path::PathBuf::from(format!("{}-journal", db.path.display()));
    let started = std::time::Instant::now();
    while !journal.exists() {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // This run's first query finds no tables: the peer's first transaction is still open.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let set: &'static Migrations = Box::leak(Box::new(
        Migrations::load(root, "tests/fixtures/owed_by_a_killed_peer").unwrap(),
    ));
    let pool = db.pool.clone();
    let waiting = tokio::spawn(async move { set.run(&pool).await });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = '_schema_migrations'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(tables, 0, "the peer's first migration is still running");
    loop {
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM _schema_migrations")
            .fetch_one(&db.pool)
            .await
            .unwrap_or(0);
        if rows == 2 && journal.exists() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the peer never reached 3"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    peer.kill().unwrap(); // SIGKILL
    peer.wait().unwrap();
    assert_eq!(
        events(&db.pool).await,
        applies(&[1, 2]),
        "committed with 1 and 2"
    );
    let report = waiting.await.unwrap().unwrap();
    let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, [3, 4]);
    assert_eq!(events(&db.pool).await, applies(&[1, 2, 3, 4]));
    assert_events_copy_their_rows(&db.pool).await;
}
