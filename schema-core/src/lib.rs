//! Implementation detail of `schema-runtime`: finds migration files in a folder, parses their
//! names and directives, checksums them, splits them into statements and checks the folder as a
//! whole.
//!
//! The `embed_migrations!` macro calls [`resolve_dir`] and then [`check`] at build time, and the
//! `schema` command makes the same calls at run time, so both accept exactly the same folders.
//!
//! # Example
//!
//! ```no_run
//! match schema_core::resolve_dir(std::path::Path::new("."), "migrations") {
//!     Ok(set) => {
//!         for migration in &set.migrations {
//!             println!("{} {} {}", migration.version, migration.description, migration.checksum);
//!         }
//!     }
//!     Err(errors) => {
//!         for error in errors {
//!             eprintln!("error: {error}");
//!         }
//!     }
//! }
//! ```
//!
//! # Details
//!
//! - Layouts: `<VERSION>_<description>.sql`, the pair `.up.sql` + `.down.sql`, and diesel's
//!   `<VERSION>_<name>/up.sql` + `down.sql` folders; refinery's and Flyway's
//!   `V<VERSION>__<description>.sql` and Flyway's repeatable `R__<description>.sql`; goose's
//!   and dbmate's files holding both halves, split into an up and a down.
//! - Every problem in a folder is reported at once, as a list of [`Error`]s.
//! - Checksums are SHA-256 of the content with a leading BOM removed, CRLF turned into LF and
//!   the leading `-- schema:` directive lines left out.
//! - [`check`] judges the SQL itself: with the `check-sqlite` feature it applies the chain to an
//!   in-memory SQLite (each down right after its up), with `check-postgres` it parses every file
//!   as PostgreSQL. A file opts out with `-- schema: no-check`. Problems in old migrations
//!   ([`OldMigrations`]) come back as [`Warning`]s instead of errors.

mod check;
mod checksum;
mod diagnostic;
mod dialect;
mod directive;
mod discover;
mod error;
mod lint;
mod metadata;
mod migration;
mod name;
#[doc(hidden)]
pub mod record;
mod saved;
mod sections;
mod statement;
mod transaction;
mod validate;
mod warning;
mod watch;

#[cfg(feature = "check-sqlite")]
pub use check::tune_sqlite_for_check;
pub use check::{check, resolve_after, CheckOptions, OldMigrations, PrefixViolation};
pub use checksum::Checksum;
pub use diagnostic::Location;
pub use dialect::Dialect;
pub use directive::{Directive, DIRECTIVE_PREFIX};
pub use discover::{resolve_dir, resolve_dir_cached};
pub use error::Error;
pub use lint::{
    lint, lint_rule, lint_rules, unknown_lint_rules, Finding, Level, LintOptions, LintRule,
    LintScope, UNKNOWN_RULE,
};
pub use migration::{Layout, Migration, MigrationKind, MigrationSet};
pub use name::{
    is_repeatable_key, parse_diesel_dir_name, parse_file_name, repeatable_key, ParsedName,
};
pub use statement::{
    nested_comment, split_statements, survey, unterminated_comment, Statement, Survey,
    TransactionControl,
};
pub use transaction::{own_transaction_states, InOwnTransaction, OwnTransaction};
pub use warning::Warning;
pub use watch::unwatched;
