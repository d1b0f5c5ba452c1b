//! A migrated database of its own for every test: `#[schema_runtime::test]` on SQLite and
//! PostgreSQL, and the plain function for code that cannot take an attribute.
//!
//! ```sh
//! cargo test --example testing      # the tests below; the PostgreSQL ones need DATABASE_URL
//! cargo run --example testing       # main: the plain function, a database made, used, dropped
//! ```
//!
//! The tests need `schema-runtime`'s `testing` feature, usually as a dev-dependency:
//! `schema-runtime = { version = "…", features = ["testing"] }`.

use schema_runtime::Migrations;
use sqlx::SqlitePool;

/// The service's migrations, embedded at build time (SQL both databases accept).
static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("examples/testing/migrations");

/// The code under test: signs someone up, with their address as their name.
async fn sign_up(pool: &SqlitePool, email: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO users (email, name) VALUES (?, ?) RETURNING id")
        .bind(email)
        .bind(email)
        .fetch_one(pool)
        .await
}

/// Without the attribute: `testing::sqlite` returns a guard that derefs to the pool; `close`
/// drops the database (dropping the guard does too). With `DATABASE_URL` set, the same on
/// PostgreSQL with `testing::postgres`.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = schema_runtime::testing::sqlite(&MIGRATIONS).await?;
    let id = sign_up(&db, "ada@example.com").await?;
    println!("sqlite: signed up user {id} on {}", db.name());
    db.close().await?;

    if let Ok(url) = std::env::var("DATABASE_URL") {
        let db = schema_runtime::testing::postgres(&MIGRATIONS, &url).await?;
        let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&*db)
            .await?;
        println!(
            "postgres: {users} users on {}, copied from {}",
            db.name(),
            db.template()
        );
        db.close().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{sign_up, MIGRATIONS};
    use sqlx::{PgPool, SqlitePool};

    /// Each test starts on an empty, fully migrated database of its own.
    #[schema_runtime::test(migrations = MIGRATIONS)]
    async fn signs_up(pool: SqlitePool) {
        let id = sign_up(&pool, "ada@example.com").await.unwrap();
        let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = ?")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "ada@example.com");
    }

    /// The same address twice is refused; no other test sees this one's rows.
    #[schema_runtime::test(migrations = MIGRATIONS)]
    async fn refuses_an_address_twice(pool: SqlitePool) -> Result<(), sqlx::Error> {
        sign_up(&pool, "ada@example.com").await?;
        assert!(sign_up(&pool, "ada@example.com").await.is_err());
        Ok(())
    }

    /// A migration tested on its own: the database stops at version 1, the test seeds it,
    /// then applies the rest and checks the backfill.
    #[schema_runtime::test(migrations = MIGRATIONS, target = 1)]
    async fn the_backfill_names_existing_users(pool: SqlitePool) {
        sqlx::query("INSERT INTO users (email) VALUES ('grace@example.com')")
            .execute(&pool)
            .await
            .unwrap();
        MIGRATIONS.run(&pool).await.unwrap();
        let name: String = sqlx::query_scalar("SELECT name FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "grace@example.com");
    }

    /// A `PgPool` parameter: a database copied from a template on the server of
    /// `DATABASE_URL`, dropped after the test.
    #[schema_runtime::test(migrations = MIGRATIONS)]
    async fn postgres_refuses_an_address_twice(pool: PgPool) {
        // The migrations are SQL both databases accept: the id is given, as PostgreSQL has no
        // default for an `INTEGER PRIMARY KEY`.
        let insert = "INSERT INTO users (id, email) VALUES ($1, 'ada@example.com')";
        sqlx::query(insert).bind(1).execute(&pool).await.unwrap();
        let error = sqlx::query(insert)
            .bind(2)
            .execute(&pool)
            .await
            .unwrap_err();
        let code = error.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("23505"), "unique_violation");
    }
}
