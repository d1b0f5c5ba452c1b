//! `-- no-transaction` files against real SQLite files: one whose own `BEGIN` is open when one
//! of its statements fails, and downs that run outside a transaction. The runtime must leave no
//! transaction open on a pooled connection, record what is left, and say what state the
//! database is in. (A file that ends the migration's transaction, or leaves its own open at its
//! end, is refused when it is loaded: `tests/ui/content`; sets built by hand still reach the
//! runtime, whose own guard the last tests hold.)

use crate::support::folders;
use crate::support::message;
use crate::support::sqlite;

use folders::files;
use schema_runtime::{EventKind, MigrateError, Migration, MigrationKind, Migrations};
use sqlite::{applied_versions, fresh, open};
use sqlx::sqlite::SqlitePool;

const INIT: (&str, &str) = (
    "1_init.sql",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
);

/// Writes through `pool` as the service would after its boot, then reads it back through a
/// new pool on the same file: what was written must be there.
async fn service_writes_survive(pool: &SqlitePool, path: &std::path::Path) {
    sqlx::query("CREATE TABLE app_data (x INTEGER)")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO app_data VALUES (42)")
        .execute(pool)
        .await
        .unwrap();
    let other = open(path).await;
    let x: i64 = sqlx::query_scalar("SELECT x FROM app_data")
        .fetch_one(&other)
        .await
        .unwrap();
    assert_eq!(x, 42);
    other.close().await;
}

async fn ids(pool: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM t ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// `loaded` with the SQL of the migration `pick` chooses replaced by `sql` (of `statements`
/// statements), as a set built by hand could hold it: no rule of reading a folder applies.
fn replacing(
    loaded: &Migrations,
    pick: impl Fn(&Migration) -> bool,
    sql: &'static str,
    statements: usize,
) -> Migrations {
    let mut migrations = loaded.as_slice().to_vec();
    let m = migrations.iter_mut().find(|m| pick(m)).unwrap();
    m.sql = sql;
    m.statement_count = statements;
    Migrations::__new(
        Box::leak(migrations.into_boxed_slice()),
        loaded.dir(),
        loaded.build_dir(),
        loaded.fingerprint(),
        false,
    )
}

/// Migration 2 of `set` failed after its first statement, whose row alone stands in `t`: it is
/// recorded as failed with an error that says `error`, the history ends with its failure, the
/// pool's connection is not left inside a transaction that swallows writes, and the next run
/// refuses until it is repaired.
async fn assert_recorded_failed_after_one(db: &sqlite::Db, set: &Migrations, error: &str) {
    assert_eq!(ids(&db.pool).await, [1]);
    let (status, done, recorded) = row(&db.pool, 2).await;
    assert_eq!((status.as_str(), done), ("failed", 1));
    assert!(recorded.unwrap().contains(error));
    let history = set.history(&db.pool).await.unwrap();
    assert_eq!(history.last().unwrap().event, EventKind::Failure);
    service_writes_survive(&db.pool, &db.path).await;
    let refused = set.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(refused, MigrateError::Dirty { version: 2, .. }),
        "{refused:?}"
    );
}

async fn row(pool: &SqlitePool, version: i64) -> (String, i64, Option<String>) {
    sqlx::query_as(
        "SELECT status, statements_done, error FROM _schema_migrations WHERE version = ?1",
    )
    .bind(version)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_failure_inside_the_files_own_transaction_rolls_it_back_and_is_recorded() {
    let db = fresh().await;
    let (_dir, set) = files(&[
        INIT,
        (
            "2_fill.sql",
            "-- no-transaction\nINSERT INTO t VALUES (1, 'kept');\nBEGIN;\nINSERT INTO t VALUES (2, 'b');\nINSERT INTO t VALUES (3, NULL);\nCOMMIT;\n",
        ),
    ]);
    let err = set.run(&db.pool).await.unwrap_err();
    let MigrateError::Failed {
        version: 2,
        statement: 4,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    let message = message(&err);
    assert!(
        message.contains("was still open and was rolled back"),
        "{message}"
    );
    // The statement before the file's BEGIN stays; those after it are gone.
    assert_recorded_failed_after_one(&db, &set, "rolled back").await;
}

#[tokio::test]
async fn a_rollback_by_sqlite_itself_is_an_ordinary_failure() {
    // `INSERT OR ROLLBACK` rolls the transaction back on a conflict: the migration's
    // transaction is gone, but the file did not end it; nothing of it was applied.
    let db = fresh().await;
    let (_dir, set) = files(&[
        INIT,
        (
            "2_conflict.sql",
            "INSERT INTO t VALUES (1, 'a');\nINSERT OR ROLLBACK INTO t VALUES (1, 'again');\n",
        ),
    ]);
    let err = set.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message(&err).contains("nothing of it was applied"));
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM t")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_no_transaction_down_runs_outside_a_transaction() {
    let db = fresh().await;
    let (_dir, set) = files(&[
        INIT,
        (
            "2_big.up.sql",
            "CREATE TABLE big (x);\nINSERT INTO big VALUES (1);",
        ),
        (
            "2_big.down.sql",
            "-- no-transaction\nDROP TABLE big;\nVACUUM;",
        ),
    ]);
    set.run(&db.pool).await.unwrap();
    let report = set.migrator().revert_last(&db.pool, 1).await.unwrap();
    assert_eq!(report.reverted.len(), 1);
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
    let history = set.history(&db.pool).await.unwrap();
    assert_eq!(history.last().unwrap().event, EventKind::Revert);
    // Applied again, then a down that fails part-way: neither applied nor reverted.
    set.run(&db.pool).await.unwrap();
    let (_dir, failing) = files(&[
        INIT,
        (
            "2_big.up.sql",
            "CREATE TABLE big (x);\nINSERT INTO big VALUES (1);",
        ),
        (
            "2_big.down.sql",
            "-- no-transaction\nDROP TABLE big;\nDROP TABLE nope;",
        ),
    ]);
    // Same up, so the same checksum; only the down differs.
    let err = failing
        .migrator()
        .revert_last(&db.pool, 1)
        .await
        .unwrap_err();
    let MigrateError::Failed {
        version: 2,
        statement: 2,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(message(&err).contains("recorded as failed"), "{err}");
    assert_eq!(row(&db.pool, 2).await.0, "failed");
    let err = failing.run(&db.pool).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::Dirty { version: 2, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn status_says_running_while_another_run_applies_a_no_transaction_file() {
    let db = fresh().await;
    let (_dir, set) = files(&[
        ("1_numbers.sql", "CREATE TABLE numbers (n INTEGER NOT NULL);"),
        (
            "2_fill.sql",
            "-- no-transaction\nWITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 3000000)\nINSERT INTO numbers (n) SELECT n FROM seq;",
        ),
    ]);
    let set: &'static schema_runtime::Migrations = Box::leak(Box::new(set));
    set.migrator().target(1).run(&db.pool).await.unwrap();
    let runner = tokio::spawn({
        let pool = db.pool.clone();
        async move { set.run(&pool).await }
    });
    // Another pool, as another process's `schema status` would have.
    let watcher = open(&db.path).await;
    let mut seen = None;
    for _ in 0..400 {
        let status = set.status(&watcher).await.unwrap();
        if status[1].state != schema_runtime::MigrationState::Pending {
            seen = Some(status[1].state);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let report = runner.await.unwrap().unwrap();
    assert_eq!(report.applied.len(), 1);
    // While the run held the lock, its `running` row was shown as running, not failed.
    assert_eq!(seen, Some(schema_runtime::MigrationState::Running));
    assert_eq!(
        set.status(&watcher).await.unwrap()[1].state,
        schema_runtime::MigrationState::Applied
    );
    // A `running` row with no run holding the lock was left by a process that died.
    sqlx::query("UPDATE _schema_migrations SET status = 'running' WHERE version = 2")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        set.status(&watcher).await.unwrap()[1].state,
        schema_runtime::MigrationState::Failed
    );
}

#[tokio::test]
async fn a_transaction_a_hand_built_set_leaves_open_is_rolled_back_and_recorded() {
    let db = fresh().await;
    // Reading a folder refuses a `-- no-transaction` file whose `SAVEPOINT` is never released
    // (`tests/ui/content`); a set built by hand still reaches the runtime, which must not hand
    // the pooled connection back inside that transaction.
    let (_dir, loaded) = files(&[
        INIT,
        (
            "2_fill.sql",
            "-- no-transaction\nINSERT INTO t VALUES (1, 'kept');\nSAVEPOINT fill;\nINSERT INTO t VALUES (2, 'b');\nRELEASE fill;\n",
        ),
    ]);
    let set = replacing(
        &loaded,
        |m| m.version == 2,
        "-- no-transaction\nINSERT INTO t VALUES (1, 'kept');\nSAVEPOINT fill;\nINSERT INTO t VALUES (2, 'b');\n",
        3,
    );
    let err = set.run(&db.pool).await.unwrap_err();
    let MigrateError::TransactionLeftOpen {
        version: 2,
        progress,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(progress, "1 of 3 statements stand");
    assert!(
        message(&err)
            .starts_with("migrations/2_fill.sql: migration 2 left a transaction open at its end"),
        "{err}"
    );
    // What ran after the savepoint is undone.
    assert_recorded_failed_after_one(&db, &set, "left a transaction open").await;
}

#[tokio::test]
async fn a_transaction_a_hand_built_down_leaves_open_is_rolled_back_and_recorded() {
    let db = fresh().await;
    let (_dir, loaded) = files(&[
        ("1_init.up.sql", INIT.1),
        ("1_init.down.sql", "DROP TABLE t;"),
        ("2_fill.up.sql", "INSERT INTO t VALUES (1, 'a');"),
        (
            "2_fill.down.sql",
            "-- no-transaction\nDELETE FROM t WHERE id = 1;\nSAVEPOINT undo;\nDELETE FROM t;\nRELEASE undo;\n",
        ),
    ]);
    loaded.run(&db.pool).await.unwrap();
    sqlx::query("INSERT INTO t VALUES (2, 'b')")
        .execute(&db.pool)
        .await
        .unwrap();
    let set = replacing(
        &loaded,
        |m| m.version == 2 && m.kind == MigrationKind::Down,
        "-- no-transaction\nDELETE FROM t WHERE id = 1;\nSAVEPOINT undo;\nDELETE FROM t;\n",
        3,
    );
    let err = set.migrator().revert_last(&db.pool, 1).await.unwrap_err();
    let MigrateError::TransactionLeftOpen {
        version: 2,
        progress,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        progress,
        "of its 3 statements, those before that transaction stand"
    );
    // The statement before the savepoint stands; the one after it is undone.
    let ids = ids(&db.pool).await;
    assert_eq!(ids, [2]);
    assert_eq!(row(&db.pool, 2).await.0, "failed");
    service_writes_survive(&db.pool, &db.path).await;
}
