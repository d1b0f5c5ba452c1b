//! The assistant's core: users and conversations. Every plugin builds on these tables.

use schema_runtime::Migrations;
use sqlx::SqlitePool;

pub static CORE: Migrations =
    schema_runtime::embed_migrations!("examples/assistant/migrations/core", module = "core");
schema_runtime::register!(CORE, core, priority = 1);

/// The demo user and a first conversation, created once.
pub async fn seed(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query("INSERT INTO users (name) VALUES ('ada') ON CONFLICT DO NOTHING")
        .execute(pool)
        .await?;
    let (user,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE name = 'ada'")
        .fetch_one(pool)
        .await?;
    sqlx::query(
        "INSERT INTO conversations (user_id, title)
         SELECT ?1, 'Planning the week' WHERE NOT EXISTS (SELECT 1 FROM conversations WHERE user_id = ?1)",
    )
    .bind(user)
    .execute(pool)
    .await?;
    Ok(user)
}
