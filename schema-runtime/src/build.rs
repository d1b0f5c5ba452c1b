//! The build script helper that makes cargo rebuild when a migration file is added or removed.
//!
//! The macro embeds each file with `include_str!`, so cargo rebuilds when a file changes. Cargo
//! does not know about files that did not exist at the last build, so a new migration is not
//! picked up until something else forces a rebuild. A one-line build script fixes that:
//!
//! ```toml
//! # Cargo.toml
//! [build-dependencies]
//! schema-runtime = { version = "0.1", default-features = false }
//! ```
//!
//! ```ignore
//! // build.rs
//! fn main() {
//!     schema_runtime::build::rerun_if_migrations_change("migrations");
//! }
//! ```
//!
//! A set that builds on other folders (`after = …`) names each of them too, so that a file
//! added to one re-runs the check:
//!
//! ```ignore
//! // build.rs
//! fn main() {
//!     schema_runtime::build::rerun_if_migrations_change("plugins/calendar/migrations");
//!     schema_runtime::build::rerun_if_migrations_change("migrations/core");
//! }
//! ```
//!
//! With `default-features = false` the build script does not compile sqlx. Writing
//! `println!("cargo:rerun-if-changed=migrations");` in `build.rs` does the same without the
//! dependency.

/// Tells cargo to rebuild the crate when anything in `dir` (relative to the crate root) is
/// added, removed or changed. Call it from `build.rs`.
pub fn rerun_if_migrations_change(dir: &str) {
    println!("cargo:rerun-if-changed={dir}");
}
