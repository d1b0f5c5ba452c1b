//! An SQLite file another migration tool migrated is never migrated again from the first
//! file: the scenarios of `support/other_tools.rs` on real SQLite files.

#[macro_use]
#[path = "support/other_tools.rs"]
mod other_tools;
#[path = "support/sqlite.rs"]
mod sqlite;

impl_db!(sqlite::Db);
scenarios!(sqlite::fresh().await);
