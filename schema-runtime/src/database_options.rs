//! The options of a [`Migrator`] that apply to one database only: set on a pool of another
//! database they are refused before anything runs, never silently ignored.
//!
//! Every other option applies to both databases. `lock_timeout` bounds the wait for the lock
//! on both (an SQLite database in memory takes none: only this process reaches it);
//! `TableNames` with a `schema.` part names a schema on PostgreSQL and an attached database on
//! SQLite (`main.` is the database itself).

use crate::{MigrateError, Migrator};

impl Migrator<'_> {
    /// Refuses, on an SQLite pool, the options only PostgreSQL has: SQLite has no statement
    /// time limit, no table lock to wait for, and locks with a file beside the database.
    #[cfg(feature = "sqlite")]
    pub(crate) fn refuse_postgres_options(&self) -> Result<(), MigrateError> {
        let set = [
            ("statement_timeout()", self.statement_timeout.is_some()),
            ("table_lock_timeout()", self.table_lock_timeout.is_some()),
            #[cfg(feature = "postgres")]
            ("lock_mode()", self.lock_mode.is_some()),
        ];
        match set.into_iter().find(|(_, is_set)| *is_set) {
            Some((option, _)) => Err(MigrateError::UnsupportedOption {
                option,
                applies_to: "PostgreSQL",
                database: "SQLite",
            }),
            None => Ok(()),
        }
    }
}
