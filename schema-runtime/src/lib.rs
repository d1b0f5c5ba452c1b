//! SQL migrations checked at build time, embedded in the binary, and applied at boot through
//! an sqlx pool.
//!
//! # Example
//!
//! ```ignore
//! static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");
//!
//! for migration in &MIGRATIONS {
//!     println!("{} {} ({})", migration.version, migration.description, migration.kind.as_str());
//! }
//! ```
//!
//! # Details
//!
//! - A bad migration file fails `cargo build` with a message naming the file; see
//!   [`embed_migrations!`].
//! - Add the build script described in [`build`] so that new files are picked up.
//! - Backends are the cargo features `sqlite` and `postgres`, both on by default.

// `MigrateError` carries what a user needs to act (file, statement, line, the database's error,
// the partial report): well over clippy's 128 bytes, on a path taken once per failed run.
#![allow(clippy::result_large_err)]

#[cfg(all(feature = "advice", any(feature = "sqlite", feature = "postgres")))]
pub mod advice;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod backend;
pub mod build;
#[cfg(feature = "sqlite")]
mod database_options;
mod embedded;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod engine;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod error;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod introspect;
#[cfg(feature = "postgres")]
mod lock_mode;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod migrator;
#[cfg(all(feature = "models", any(feature = "sqlite", feature = "postgres")))]
pub mod models;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod modules;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod order;
mod packed;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod report;
#[cfg(feature = "sqlcipher")]
pub mod sqlcipher;
mod stale;
#[cfg(all(feature = "testing", any(feature = "sqlite", feature = "postgres")))]
pub mod testing;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod tracking;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use backend::TableNames;
pub use embedded::{Migration, Migrations};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use engine::adopt::import::Import;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use engine::other_tools::OtherTool;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use engine::resolve::{InDoubt, ResolveOptions};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use error::MigrateError;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use introspect::{SchemaCheck, SchemaCheckOutcome};
#[cfg(feature = "postgres")]
pub use lock_mode::LockMode;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use migrator::{DbPool, Migrator};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use modules::{ModuleInfo, ModuleRole, Modules, Registered, StoredModule};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use report::{
    Adopted, AppliedMigration, EventKind, HistoryEvent, MigrationState, PlannedMigration, Progress,
    Report, StatusEntry,
};
pub use schema_core::{Checksum, Directive, MigrationKind};
pub use stale::StaleEmbedding;

/// Reads a migrations folder at build time, checks every file, and embeds them with their
/// checksums.
///
/// ```ignore
/// static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");
/// ```
///
/// The folder is relative to the invoking crate's `CARGO_MANIFEST_DIR`; `embed_migrations!()`
/// means `embed_migrations!("migrations")`.
///
/// # Options
///
/// - `dialect = "sqlite" | "postgres"`: how the SQL is checked. SQLite applies the whole chain
///   to an in-memory database (each down right after its up); PostgreSQL parses every file.
///   Default: the crate's database: `"postgres"` when only this crate's `postgres` feature is
///   on, `"sqlite"` when only `sqlite` is; with both (the default), `"postgres"` when the
///   calling crate's `sqlx` dependency names `postgres` and no SQLite driver, else `"sqlite"`.
/// - `check = false`: no SQL check for this invocation (`-- schema: no-check` opts one file out).
/// - `old = <version> | none`: where old migrations end. A problem the check finds in an old
///   migration is a compiler warning, not an error (kept in [`Migrations::check_notes`]); the
///   migrations up to and including `version` are old. Default: every up is new, and every
///   down is old except the newest migration's. `none`: every problem is an error.
/// - `module = "name"`: the set's name, part of every tracking key ([`Migrations::module`]).
/// - `prefix = "name_"`: the set is confined to that prefix: a statement that creates, alters,
///   drops, renames or writes an object whose name lacks it fails the build (reading any table
///   is allowed, and so is an index or trigger named with the prefix on another set's table).
/// - `after = "folder"` or `after = ["folder", …]`: the folders of the sets this one builds on,
///   relative to the crate root; the check applies them first, in that order, so a foreign
///   key to a core table is no "no such table" error. Their files are not embedded; name
///   each in the build script too (see [`build`]).
/// - `lint = "warn" | "deny" | false`: the lints (changes that are valid and still lock,
///   rewrite or break a database in production: squawk's rules on PostgreSQL, this project's
///   on SQLite) of the newest migration (every one after `old = <version>`, every one with
///   `old = none`). Default `"warn"`: each finding is a compiler warning, never an error;
///   `"deny"` makes them errors; `false` turns them off. A file allows rules with a
///   `-- schema: allow(rule, …)` line, left out of its checksum.
/// - `lint_allow = ["rule", …]`: rules allowed in every file.
/// - `crate = path`: the path the generated code names this crate by, for crates that
///   re-export it (`embed_migrations!("migrations", crate = my_app::schema_runtime)`).
///
/// # Files
///
/// - `<VERSION>_<description>.sql` (forward only), or the pair `<VERSION>_<description>.up.sql`
///   and `.down.sql`; diesel's `<VERSION>_<name>/up.sql` + `down.sql` folders too, refinery's
///   and Flyway's `V1__init.sql`, and Flyway's repeatable `R__<description>.sql` (applied after
///   the versioned migrations, and again whenever it changes).
/// - goose's (`-- +goose Up` / `Down`) and dbmate's (`-- migrate:up` / `down`) files are split
///   into an up and a down; a file wrapped in its own `BEGIN` … `COMMIT` runs as the
///   migration's transaction. See the project's docs, `migration-files.md`.
/// - Directives are leading `--` comment lines: `-- no-transaction` (or
///   `-- schema: no-transaction`) runs the file outside a transaction.
///
/// # Errors at build time
///
/// Every problem in the folder is reported in one build, each naming the file (and the line
/// and column where there is one): a missing folder, a `.sql` file whose name does not parse,
/// two files with one version, a down without its up or an up without its down, a version that
/// is both simple and reversible, content that is not UTF-8, an unknown `-- schema:` directive,
/// a negative version or one larger than `i64::MAX`, and a bad macro argument. Then the SQL:
/// a statement the dialect rejects (with its line, column and the offending line), a table or
/// column that does not exist at that point, a down that does not undo its up (naming the
/// objects left behind, missing or changed), a view or trigger that names a missing object.
///
/// # Warnings at build time
///
/// A problem in an old migration (see `old`), and a down that restores a table with its
/// columns in another order, are compiler warnings (`use of deprecated constant …`, the only
/// warning a macro can emit on stable Rust); `#[allow(deprecated)]` on the `static` silences
/// them.
///
/// # Triggering recompilation
///
/// Each file is embedded with `include_str!`, so editing one rebuilds the crate. Adding or
/// removing one does not, unless a build script tells cargo; see [`build`]. Debug builds warn
/// at run time when the folder on disk and the binary disagree
/// ([`Migrations::stale_embedding`]).
pub use schema_macros::embed_migrations;

/// Runs an `async fn` taking a pool as a test, on a migrated database of its own (cargo
/// feature `testing`).
///
/// ```ignore
/// static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!();
///
/// #[schema_runtime::test(migrations = MIGRATIONS)]
/// async fn signs_up(pool: sqlx::SqlitePool) {
///     sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')")
///         .execute(&pool)
///         .await
///         .unwrap();
/// }
/// ```
///
/// The parameter's type decides the database: `sqlx::SqlitePool` or `sqlx::PgPool`. The test
/// may return `()` or a `Result`. It becomes a `#[test]` that starts a current-thread tokio
/// runtime, copies a database from the set's template (migrated once per test binary, see
/// [`testing`]), runs the body, and drops the database, also when the body panics (other
/// attributes, `#[should_panic]` and `#[ignore]` among them, are kept).
///
/// # Options
///
/// - `migrations = SET` (required), or `migrations = [CORE, CALENDAR]`: the sets, applied in
///   the order given, each tracked under its own module.
/// - `target = <version>`: the last set is migrated up to and including it, to test a
///   migration itself (migrate to the one before, seed, run the set, check).
/// - `fixtures = ["fixtures/users.sql", …]`: SQL files, relative to the crate root, run after
///   the migrations (once, on the template). They are embedded with `include_str!`: a missing
///   file fails the build.
/// - `file = true`: SQLite in a temporary file, removed afterwards, instead of memory.
/// - `url = "postgres://…"`: PostgreSQL's server; `DATABASE_URL` when not given. Its role must
///   be allowed to create databases.
/// - `crate = path`: the path this crate is re-exported at.
///
/// # Errors
///
/// A bad option, a missing fixture file or a function that is not an `async fn` taking one
/// pool fails the build, naming the option and the fix. A database that cannot be made (no
/// server, a role without `CREATEDB`, a failing migration or fixture) fails the test with the
/// cause and the fix ([`testing::TestError`]).
#[cfg(all(feature = "testing", any(feature = "sqlite", feature = "postgres")))]
pub use schema_macros::test;

#[doc(hidden)]
pub mod __private {
    pub use crate::embedded::DEFAULT_MODULE;
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub use crate::modules::Registration;
    pub use crate::packed::{Extra, PackedSet};
    pub use crate::{Checksum, Directive, Migration, MigrationKind, Migrations};
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub use inventory;

    /// What a failed `embed_migrations!` expands to after its errors, so that the errors are
    /// the only ones the compiler reports.
    pub const EMPTY: Migrations = Migrations::__new(&[], "", "", crate::Checksum([0; 32]), false);

    /// The SQL without a leading BOM, as schema-core checked it.
    pub const fn strip_bom(sql: &'static str) -> &'static str {
        let bytes = sql.as_bytes();
        if bytes.len() >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            sql.split_at(3).1
        } else {
            sql
        }
    }
}
