//! What the runtime tests share: a database of their own per test, migration folders written at
//! run time, and migrator processes started at once.

#[macro_use]
pub mod db;
pub mod diesel;
pub mod dump;
pub mod folders;
pub mod pg;
pub mod replicas;
pub mod sqlite;

/// The text of `err` followed by each of its sources, joined by `: `: what an assertion on an
/// error's words reads, whether a message repeats its source or leaves it to `source()`.
pub fn message(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Where each migration of `set` stands in `pool`, as `status` says, in its order.
pub async fn states(
    set: &schema_runtime::Migrations,
    pool: schema_runtime::DbPool<'_>,
) -> Vec<schema_runtime::MigrationState> {
    let entries = set.status(pool).await.unwrap();
    entries.iter().map(|e| e.state).collect()
}
