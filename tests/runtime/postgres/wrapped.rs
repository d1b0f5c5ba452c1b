//! Files wrapped in their own transaction in PostgreSQL's other spellings (`START
//! TRANSACTION`, `END`): run as the migration's transaction, on the real server.

use crate::support::folders::files;
use crate::support::pg::fresh;

#[tokio::test]
async fn start_transaction_and_end_wrap_a_file_as_begin_and_commit_do() {
    let (pool, _url, _server) = fresh().await;
    let (_dir, set) = files(&[
        (
            "1_accounts.sql",
            "START TRANSACTION;\nCREATE TABLE accounts (id INT);\nINSERT INTO accounts VALUES (1);\nEND;\n",
        ),
        (
            "2_orders.sql",
            "begin work;\nCREATE TABLE orders (id INT);\ncommit transaction;\n",
        ),
    ]);
    let report = set.run(&pool).await.unwrap();
    assert_eq!(report.applied.len(), 2);
    // Its statements ran in the migration's transaction, the file's own left out: each
    // recorded once, with the table it made.
    assert!(!set.as_slice()[0].sql.contains("START") && !set.as_slice()[0].sql.contains("END"));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM _schema_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(accounts, 1);
    let again = set.run(&pool).await.unwrap();
    assert!(again.up_to_date_at_boot);
}
