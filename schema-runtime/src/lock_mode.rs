//! How processes keep from migrating a PostgreSQL database at once: an option of a run
//! that the PostgreSQL store carries out.

/// How the PostgreSQL backend keeps two processes from migrating at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockMode {
    /// A session advisory lock on a connection of the pool for the whole run (the default).
    #[default]
    Session,
    /// A transaction advisory lock in each transaction that writes, for transaction-pooling
    /// proxies.
    Transaction,
}
