//! A goose file whose `-- +goose StatementBegin` … `StatementEnd` blocks hold PL/pgSQL (a
//! trigger function, a `DO` block, a function with a `$body$` quote): applied and reverted on
//! the real server, each block run whole.

use crate::support::db::TestDb;
use crate::support::message;
use crate::support::pg::Db;
use schema_runtime::Migrations;

static GOOSE_PLPGSQL: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/goose_plpgsql", dialect = "postgres");

#[tokio::test]
async fn a_goose_file_with_plpgsql_in_statement_blocks_applies_and_reverts() {
    let db = Db::fresh().await;
    let empty = db.dump().await;

    let report = GOOSE_PLPGSQL.run(db.pool()).await.unwrap();
    assert_eq!(report.applied.len(), 2);
    // The trigger function runs: the email is cleaned, an empty one refused.
    db.exec(
        "INSERT INTO accounts (id, email) VALUES (1, '  Ada@Example.COM '), (2, 'bob@keep.example')",
    )
    .await;
    assert_eq!(
        db.texts("SELECT email || ' ' || (updated_at IS NOT NULL)::text FROM accounts ORDER BY id")
            .await,
        ["ada@example.com true", "bob@keep.example true"]
    );
    let refused = sqlx::query("INSERT INTO accounts (id, email) VALUES (3, '  ')")
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("account 3 has no email"),
        "{refused}"
    );
    assert_eq!(db.number("SELECT accounts_count('example.com')").await, 1);

    // The second file's down: its block drops the function.
    GOOSE_PLPGSQL
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap();
    assert_eq!(
        db.number("SELECT count(*) FROM pg_proc WHERE proname = 'accounts_count'")
            .await,
        0
    );
    // The first file's down: its `DO` block refuses while an account to keep is left, and
    // the whole down rolls back.
    let error = GOOSE_PLPGSQL
        .migrator()
        .revert_last(db.pool(), 1)
        .await
        .unwrap_err();
    let text = message(&error);
    assert!(
        text.contains("accounts to keep are left")
            && text.contains("20240101000000_create_accounts.sql"),
        "{text}"
    );
    assert_eq!(db.number("SELECT count(*) FROM accounts").await, 2);
    assert_eq!(db.applied_versions().await.len(), 1);

    db.exec("DELETE FROM accounts WHERE id = 2").await;
    GOOSE_PLPGSQL
        .migrator()
        .revert_to(db.pool(), 0)
        .await
        .unwrap();
    // Nothing is left: no table, no trigger, no function.
    assert_eq!(db.dump().await, empty);

    // And up again, as goose's own up would.
    GOOSE_PLPGSQL.run(db.pool()).await.unwrap();
    db.exec("INSERT INTO accounts (id, email) VALUES (1, 'X@Y.Z')")
        .await;
    assert_eq!(db.texts("SELECT email FROM accounts").await, ["x@y.z"]);
}
