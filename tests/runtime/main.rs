//! The runtime against real databases: SQLite files in temporary folders and the PostgreSQL
//! server `scripts/with-postgres` starts (`scripts/test` runs it). One test binary, so that
//! cargo links the suite once.
//!
//! `support` holds what the scenarios share; `sqlite` and `postgres` the scenarios that are one
//! database's own.

#[macro_use]
mod support;

mod adopt;
mod adopt_refinery;
mod apply;
mod directive_checksums;
mod errors;
mod fix_migration;
mod import;
mod introspect;
mod lifecycle;
mod modules;
mod modules_concurrent;
mod other_folders;
mod other_tools;
mod postgres;
mod schema_check;
mod sqlite;
