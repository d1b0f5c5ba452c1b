//! `#[schema_runtime::test]` and `schema_runtime::testing` on real databases: each test on a
//! migrated database of its own, copied from a template migrated once per process.
//!
//! SQLite runs in memory and in temporary files; PostgreSQL on the server
//! `scripts/with-postgres` starts (its URL in `DATABASE_URL`).

mod many;
mod postgres;
mod postgres_errors;
mod scenario;
mod sqlite;

use schema_runtime::Migrations;

/// The core set: users, posts, a column added later.
pub static CORE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/basic", module = "core");

/// A module built on the core, confined to its prefix.
pub static CALENDAR: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/testing/calendar",
    module = "calendar",
    prefix = "calendar_"
);
