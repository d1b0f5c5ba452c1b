//! The calendar plugin. Its migrations live beside it and register themselves here: linking this
//! file into the binary is all it takes. Its SQL is checked at build time on top of the core's
//! schema (`after`), and may only touch objects whose names start with `calendar_` (`prefix`).

use schema_runtime::Migrations;
use sqlx::SqlitePool;

pub static CALENDAR: Migrations = schema_runtime::embed_migrations!(
    "examples/assistant/plugins/calendar/migrations",
    module = "calendar",
    prefix = "calendar_",
    after = "examples/assistant/migrations/core",
);
schema_runtime::register!(CALENDAR, plugin);

/// Puts a meeting, planned in the user's first conversation, in the calendar.
pub async fn add_meeting(pool: &SqlitePool, user: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calendar_events (user_id, conversation_id, title, starts_at)
         SELECT ?1, (SELECT min(id) FROM conversations WHERE user_id = ?1), 'Review the roadmap', '2025-02-03T09:00:00Z'
         WHERE NOT EXISTS (SELECT 1 FROM calendar_events WHERE user_id = ?1)",
    )
    .bind(user)
    .execute(pool)
    .await?;
    Ok(())
}

/// How many events the calendar holds.
pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM calendar_events")
        .fetch_one(pool)
        .await?;
    Ok(n)
}
