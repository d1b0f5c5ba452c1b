//! A migration file of a few megabytes on a real SQLite file: applied whole, or not at all with
//! the failing statement named by its line, in its own transaction and in `all_or_nothing`.
//!
//! The file goes to SQLite in pieces of whole statements. Sent in one call, SQLite would copy
//! the rest of the text to prepare each statement (time in the square of the file's size) and
//! sqlx would keep every statement of the call prepared until it ends (about 1.6 KB each, 20,000
//! here): these tests run under a SQLite heap limit that the whole file in one call exceeds
//! ("out of memory" at about statement 9,700) and its pieces stay far below (they pass at half
//! the limit), which tells the two apart without timing anything.

#[path = "support/chain.rs"]
mod chain;
#[path = "support/folders.rs"]
mod folders;
#[path = "support/sqlite.rs"]
mod sqlite;

use chain::chain;
use folders::{files, line_of, statement_and_line};
use schema_runtime::MigrateError;
use sqlite::{applied_versions, fresh, tables, with_tracking};
use sqlx::SqlitePool;

/// SQLite's heap limit for the whole process (`PRAGMA hard_heap_limit`), the same for every test
/// of this binary: a run that holds the whole file prepared at once fails with `out of memory`.
const HEAP_LIMIT: i64 = 16 * 1024 * 1024;

/// Rows of the generated file: a table, then single-row inserts of about 110 bytes (2 MB).
const ROWS: usize = 20_000;

/// `CREATE TABLE {table}` then `rows` single-row inserts, one a line; the row `failing` (1-based),
/// if any, repeats the first row's key.
fn seed_file(table: &str, rows: usize, failing: Option<usize>) -> String {
    let mut sql = format!(
        "-- A seed file of {rows} rows.\nCREATE TABLE {table} (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL,\n    note TEXT\n);\n"
    );
    for row in 1..=rows {
        let id = if Some(row) == failing { 1 } else { row };
        sql.push_str(&format!(
            "INSERT INTO {table} (id, name, note) VALUES ({id}, 'customer {row}', 'row {row}; seeded by the large-file test');\n"
        ));
    }
    sql
}

async fn limit_heap(pool: &SqlitePool) {
    let set: i64 = sqlx::query_scalar(&format!("PRAGMA hard_heap_limit = {HEAP_LIMIT}"))
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(set, HEAP_LIMIT);
}

async fn rows(pool: &SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_large_file_applies_every_row() {
    let sql = seed_file("customers", ROWS, None);
    assert!(sql.len() > 2_000_000, "{}", sql.len());
    let (_dir, set) = files(&[("1_seed.sql", &sql)]);
    let db = fresh().await;
    limit_heap(&db.pool).await;
    let report = set.run(&db.pool).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(rows(&db.pool, "customers").await, ROWS as i64);
    assert_eq!(
        applied_versions(&db.pool).await,
        [(1, "applied".to_owned())]
    );
}

#[tokio::test]
async fn a_failing_statement_near_the_end_of_a_large_file_is_named_and_nothing_is_applied() {
    let failing = ROWS - 3;
    let sql = seed_file("customers", ROWS, Some(failing));
    let (_dir, set) = files(&[("1_seed.sql", &sql)]);
    let db = fresh().await;
    limit_heap(&db.pool).await;
    let err = set.run(&db.pool).await.unwrap_err();
    let line = line_of(&sql, &format!("'customer {failing}'"));
    // The table is statement 1, the rows follow it.
    assert_eq!(statement_and_line(&err), (failing + 1, line), "{err}");
    assert!(chain(&err).contains("UNIQUE constraint failed"), "{err}");
    // The migration's transaction was rolled back: no table, no row, no applied record.
    assert_eq!(tables(&db.pool).await, with_tracking(&[]));
    assert_eq!(applied_versions(&db.pool).await, []);
}

#[tokio::test]
async fn all_or_nothing_names_the_failing_statement_of_a_large_file_and_applies_none() {
    let first = seed_file("customers", ROWS / 4, None);
    let failing = ROWS - 1;
    let second = seed_file("suppliers", ROWS, Some(failing));
    let (_dir, set) = files(&[("1_customers.sql", &first), ("2_suppliers.sql", &second)]);
    let db = fresh().await;
    limit_heap(&db.pool).await;
    let err = set
        .migrator()
        .all_or_nothing()
        .run(&db.pool)
        .await
        .unwrap_err();
    let MigrateError::Failed { version, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*version, 2);
    let line = line_of(&second, &format!("'customer {failing}'"));
    assert_eq!(statement_and_line(&err), (failing + 1, line), "{err}");
    assert_eq!(tables(&db.pool).await, with_tracking(&[]));
    assert_eq!(applied_versions(&db.pool).await, []);

    // Both whole apply in one transaction (each over 64 KiB: several pieces each).
    let second = seed_file("suppliers", ROWS / 4, None);
    let (_dir, set) = files(&[("1_customers.sql", &first), ("2_suppliers.sql", &second)]);
    let db = fresh().await;
    set.migrator().all_or_nothing().run(&db.pool).await.unwrap();
    assert_eq!(rows(&db.pool, "customers").await, (ROWS / 4) as i64);
    assert_eq!(rows(&db.pool, "suppliers").await, (ROWS / 4) as i64);
}
