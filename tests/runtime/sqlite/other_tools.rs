//! An SQLite file another migration tool migrated is never migrated again from the first
//! file: the scenarios of `support/other_tools.rs` on real SQLite files.

use crate::support::other_tools;
use crate::support::sqlite;

impl_db!(sqlite::Db);
scenarios!(sqlite::fresh().await);
