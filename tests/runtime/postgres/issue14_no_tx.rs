//! Issue 14, `-- no-transaction` files on PostgreSQL: the file's own transaction stays whole in
//! either lock mode (behind PgBouncer too), and the recorded progress after a kill is exact or
//! names the statement that may have run.

use crate::support::folders;
use crate::support::message;
use crate::support::pg;
use crate::support::replicas;

use pg::{fixture, fresh};
use replicas::fixture_migrator;
use schema_runtime::{LockMode, MigrateError, ResolveOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection};
use std::time::{Duration, Instant};

/// The URL of the test's database through PgBouncer in transaction pooling mode.
fn through_pgbouncer(url: &str) -> String {
    let bouncer = std::env::var("SCHEMA_TEST_PGBOUNCER_URL")
        .expect("SCHEMA_TEST_PGBOUNCER_URL is set by scripts/with-postgres");
    let database = url.rsplit_once('/').unwrap().1;
    format!("{}/{database}", bouncer.rsplit_once('/').unwrap().0)
}

const OWN_TRANSACTION: &str =
    "-- no-transaction\nCREATE TABLE a0 (x INT);\nBEGIN;\nCREATE TABLE a1 (x INT);\nSELECT 1/0;\nCOMMIT;\n";

async fn has_table(pool: &PgPool, name: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Runs [`OWN_TRANSACTION`] through `pool` in `mode` and checks that only `a0` stands.
async fn own_transaction_stays_whole(check: &PgPool, pool: &PgPool, mode: LockMode) {
    let (_dir, set) = folders::files(&[("1_own.sql", OWN_TRANSACTION)]);
    let err = set.migrator().lock_mode(mode).run(pool).await.unwrap_err();
    assert_eq!(folders::statement_and_line(&err).0, 4);
    assert!(has_table(check, "a0").await);
    assert!(
        !has_table(check, "a1").await,
        "{mode:?}: the file's transaction was committed part-way"
    );
    let done: i64 =
        sqlx::query_scalar("SELECT statements_done FROM _schema_migrations WHERE version = 1")
            .fetch_one(check)
            .await
            .unwrap();
    assert_eq!(done, 1);
}

#[tokio::test]
async fn in_transaction_lock_mode_a_files_own_transaction_stays_whole() {
    let (pool, _, _server) = fresh().await;
    own_transaction_stays_whole(&pool, &pool, LockMode::Transaction).await;
}

#[tokio::test]
async fn in_session_lock_mode_a_files_own_transaction_stays_whole() {
    let (pool, _, _server) = fresh().await;
    own_transaction_stays_whole(&pool, &pool, LockMode::Session).await;
}

#[tokio::test]
async fn behind_pgbouncer_a_files_own_transaction_stays_whole() {
    let (pool, url, _server) = fresh().await;
    let options: PgConnectOptions = through_pgbouncer(&url).parse().unwrap();
    let bouncer = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.statement_cache_capacity(0))
        .await
        .unwrap();
    own_transaction_stays_whole(&pool, &bouncer, LockMode::Transaction).await;
}

/// A file whose own `COMMIT` fails on a deferred constraint: PostgreSQL rolls it back.
const DEFERRED: &str = "-- no-transaction\nCREATE TABLE a0 (x INT);\nBEGIN;\nCREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (p INT REFERENCES p DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO c VALUES (1);\nCOMMIT;\n";

#[tokio::test]
async fn a_files_own_commit_refused_by_a_deferred_constraint_is_reported_rolled_back() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[("1_deferred.sql", DEFERRED)]);
    let err = set.run(&pool).await.unwrap_err();
    assert_eq!(folders::statement_and_line(&err).0, 6);
    let message = message(&err);
    assert!(message.contains("was rolled back"), "{message}");
    assert!(has_table(&pool, "a0").await);
    assert!(
        !has_table(&pool, "p").await,
        "the file's transaction was undone"
    );
    let (done, error): (i64, String) =
        sqlx::query_as("SELECT statements_done, error FROM _schema_migrations WHERE version = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(done, 1);
    assert!(error.contains("failed after 1 of 6 statements"), "{error}");
    let status = set.status(&pool).await.unwrap();
    assert_eq!(status[0].progress.map(|p| p.done), Some(1));
}

/// Waits until a session of the database other than the test's waits for a lock.
async fn until_waiting_for_a_lock(pool: &PgPool) {
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never waited");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until no other session of the database is running a query.
async fn until_quiet(pool: &PgPool) {
    let started = Instant::now();
    loop {
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if active == 0 {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never quiet");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Applies version 1 of `pg_no_tx_progress`, holds `marks` with `hold` in an open
/// transaction, starts a migrator and kills it once it waits for that lock, then ends the
/// transaction with `end` and waits for the server to finish what it was sent.
async fn kill_while_waiting(pool: &PgPool, url: &str, hold: &str, end: &str) {
    fixture("pg_no_tx_progress")
        .migrator()
        .target(1)
        .run(pool)
        .await
        .unwrap();
    let mut holder = PgConnection::connect(url).await.unwrap();
    holder.execute("BEGIN").await.unwrap();
    holder.execute(hold).await.unwrap();
    let mut child = fixture_migrator(url, "pg_no_tx_progress")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    until_waiting_for_a_lock(pool).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    holder.execute(end).await.unwrap();
    until_quiet(pool).await;
}

#[tokio::test]
async fn a_migrator_killed_while_a_statement_waits_leaves_exact_progress() {
    let (pool, url, _server) = fresh().await;
    // The file's first statement waits for `marks`; the server goes on with what it was sent
    // once the lock is free.
    kill_while_waiting(
        &pool,
        &url,
        "LOCK TABLE marks IN ACCESS EXCLUSIVE MODE",
        "COMMIT",
    )
    .await;
    let done: i64 =
        sqlx::query_scalar("SELECT statements_done FROM _schema_migrations WHERE version = 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    let marks: Vec<i32> = sqlx::query_scalar("SELECT n FROM marks ORDER BY n")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        marks,
        (1..=done as i32).collect::<Vec<_>>(),
        "the row says {done} statements ran"
    );
}

#[tokio::test]
async fn a_migrator_killed_inside_create_index_concurrently_says_it_may_have_run() {
    let (pool, url, _server) = fresh().await;
    // An open transaction that wrote to `marks`: `CREATE INDEX CONCURRENTLY` waits for it.
    kill_while_waiting(&pool, &url, "INSERT INTO marks VALUES (100)", "ROLLBACK").await;
    let set = fixture("pg_no_tx_progress");
    let status = set.status(&pool).await.unwrap();
    assert_eq!(
        status[1].progress.map(|p| (p.done, p.total, p.in_doubt)),
        Some((2, 4, Some(3)))
    );
    let err = set.run(&pool).await.unwrap_err();
    assert!(
        message(&err).contains("2 of 4 statements ran, and statement 3 may have run"),
        "{err}"
    );
}

const LOG_AND_USERS: (&str, &str) = (
    "1_init.sql",
    "CREATE TABLE log (n INT);\nCREATE TABLE users (id SERIAL, email TEXT);\nINSERT INTO users (email) VALUES ('a'), ('a');\n",
);
const UNIQUE: &str = "-- no-transaction\nINSERT INTO log VALUES (1);\nCREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);\nINSERT INTO log VALUES (3);\n";

#[tokio::test]
async fn resume_after_a_failed_concurrent_index_names_the_invalid_index_and_runs_only_the_rest() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", UNIQUE)]);
    let err = set.run(&pool).await.unwrap_err();
    assert_eq!(folders::statement_and_line(&err).0, 2);
    let leftover = "index `users_email` was left INVALID by the failed statement; drop it (`DROP INDEX CONCURRENTLY users_email`) before retrying";
    assert!(message(&err).contains(leftover), "{err}");
    sqlx::query("DELETE FROM users WHERE id <> (SELECT min(id) FROM users)")
        .execute(&pool)
        .await
        .unwrap();
    // The invalid index is still there: resuming would trip on it.
    let err = set.migrator().resume(&pool).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::Leftover { version: 2, leftover: l, .. } if l == leftover),
        "{err:?}"
    );
    sqlx::query("DROP INDEX CONCURRENTLY users_email")
        .execute(&pool)
        .await
        .unwrap();
    let report = set.migrator().resume(&pool).await.unwrap();
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [2]
    );
    let log: Vec<i32> = sqlx::query_scalar("SELECT n FROM log")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(log, [1, 3], "statement 1 ran once");
    let valid: bool = sqlx::query_scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(valid);
    assert!(set.run(&pool).await.unwrap().is_noop());
}

#[tokio::test]
async fn in_transaction_lock_mode_resume_takes_over_the_failed_row() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", UNIQUE)]);
    let migrator = set.migrator().lock_mode(LockMode::Transaction);
    migrator.run(&pool).await.unwrap_err();
    sqlx::query("DELETE FROM users WHERE id <> (SELECT min(id) FROM users)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DROP INDEX CONCURRENTLY users_email")
        .execute(&pool)
        .await
        .unwrap();
    migrator.resume(&pool).await.unwrap();
    let log: Vec<i32> = sqlx::query_scalar("SELECT n FROM log")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(log, [1, 3]);
}

#[tokio::test]
async fn repair_refuses_a_file_edited_since_it_failed_unless_allowed() {
    let (pool, _, _server) = fresh().await;
    let (_dir, set) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", UNIQUE)]);
    set.run(&pool).await.unwrap_err();
    let edited = UNIQUE.replace("CONCURRENTLY users_email", "CONCURRENTLY users_email_2");
    let (_edited_dir, edited) = folders::files(&[LOG_AND_USERS, ("2_unique.sql", &edited)]);
    let err = edited.migrator().repair(&pool, 2).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::EditedSinceFailure { version: 2, .. }),
        "{err:?}"
    );
    let err = edited.migrator().resume(&pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::EditedSinceFailure { version: 2, .. }),
        "{err:?}"
    );
    edited
        .migrator()
        .repair_with(&pool, 2, ResolveOptions::default().allow_edited())
        .await
        .unwrap();
    assert!(edited.run(&pool).await.unwrap().is_noop());
}
