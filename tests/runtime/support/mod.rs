//! What the runtime tests share: a database of their own per test, migration folders written at
//! run time, and migrator processes started at once.

pub mod folders;
#[macro_use]
pub mod other_tools;
pub mod pg;
pub mod replicas;
pub mod sqlite;
