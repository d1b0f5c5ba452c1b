//! The `schema` command run as a real process, end to end, on SQLite files in temporary
//! folders and on a PostgreSQL server (`SCHEMA_TEST_DATABASE_URL`, set by
//! `scripts/with-postgres`; without it the PostgreSQL tests fail, they never skip).
//!
//! One test binary for the whole command (ripgrep's tests/tests.rs): `cases` compares whole
//! outputs with the snapshots in `tests/cases/<case>/`, `new`, `sqlite`, `adopt`
//! (SQLite), `import` (SQLite) and `postgres` check behaviour through `--json`, and `mounted` runs the commands
//! an application mounts.

mod adopt;
mod advise;
mod cases;
mod diagram;
mod diff;
mod diff_write;
mod dump;
mod guards;
mod hints;
mod import;
mod lint;
mod models;
mod module_option;
mod module_prefixes;
mod modules;
mod mounted;
mod new;
mod old;
mod other_folders;
mod other_tools_tables;
mod postgres;
mod sqlite;
mod support;
