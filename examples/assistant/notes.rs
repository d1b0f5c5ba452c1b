//! The notes plugin: pages and their tags, in `notes_` tables, built on the core's users.

use schema_runtime::Migrations;
use sqlx::SqlitePool;

pub static NOTES: Migrations = schema_runtime::embed_migrations!(
    "examples/assistant/plugins/notes/migrations",
    module = "notes",
    prefix = "notes_",
    after = "examples/assistant/migrations/core",
);
schema_runtime::register!(NOTES, plugin);

/// Writes a tagged page for the user, once.
pub async fn add_page(pool: &SqlitePool, user: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO notes_pages (user_id, title, body)
         SELECT ?1, 'Ideas', 'Ask the calendar for a free slot' WHERE NOT EXISTS (SELECT 1 FROM notes_pages WHERE user_id = ?1)",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO notes_tags (page_id, tag) SELECT id, 'todo' FROM notes_pages WHERE user_id = ?1",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// How many pages the notes hold.
pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM notes_pages")
        .fetch_one(pool)
        .await?;
    Ok(n)
}
