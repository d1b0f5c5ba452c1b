//! The database a folder's migrations are written for. A leaf: the check and the errors both
//! name it, and it depends on neither.

mod manifest;

use std::fmt;

/// The database the migrations are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// SQLite, the embedded default: the chain is applied to an in-memory database.
    #[default]
    Sqlite,
    /// PostgreSQL: each file is parsed, nothing is run.
    Postgres,
}

impl Dialect {
    /// Every dialect, for documentation and for error messages.
    pub const ALL: &'static [Dialect] = &[Dialect::Sqlite, Dialect::Postgres];

    /// The name used in `dialect = "…"`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The dialect called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Dialect::ALL.iter().copied().find(|d| d.name() == name)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
