//! Other migration tools and their history tables: a database one of them migrated is adopted
//! (its history checked and recorded here, see `adopt`), never migrated again from the first
//! file as if it were new.

use crate::backend::Backend;
use crate::MigrateError;
use std::fmt;

/// A migration tool whose history a database may hold, or a history table written by hand.
///
/// A run adopts the history of [`OtherTool::Sqlx`], [`OtherTool::Diesel`] and
/// [`OtherTool::Refinery`] by itself (see [`Migrator::adopt_other_tools`]); every tool's is
/// imported with [`Migrator::import`].
///
/// [`Migrator::adopt_other_tools`]: crate::Migrator::adopt_other_tools
/// [`Migrator::import`]: crate::Migrator::import
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtherTool {
    /// sqlx: `_sqlx_migrations`, with the SHA-384 of each file.
    Sqlx,
    /// diesel: `__diesel_schema_migrations(version, run_on)`, no checksum.
    Diesel,
    /// refinery: `refinery_schema_history(version, name, applied_on, checksum)`, with its
    /// SipHash of each file.
    Refinery,
    /// golang-migrate: `schema_migrations(version, dirty)`, one row for the last version
    /// applied.
    GolangMigrate,
    /// goose: `goose_db_version(id, version_id, is_applied, tstamp)`, a row per apply and
    /// per rollback.
    Goose,
    /// Flyway: `flyway_schema_history`, with its CRC32 of each file.
    Flyway,
    /// A table of versions written by hand or by another tool (`schema_version(version)`),
    /// optionally with a status column.
    VersionsTable,
    /// A table of file names written by hand (`_migrations(id, filename, applied_at)`).
    FilesTable,
}

impl OtherTool {
    /// The migration tools, in the order a run looks for their tables.
    pub const TOOLS: [OtherTool; 6] = [
        OtherTool::Sqlx,
        OtherTool::Diesel,
        OtherTool::Refinery,
        OtherTool::GolangMigrate,
        OtherTool::Goose,
        OtherTool::Flyway,
    ];

    /// The tool as its users know it: `sqlx`, `golang-migrate`, `Flyway`, ...
    pub fn name(self) -> &'static str {
        match self {
            OtherTool::Sqlx => "sqlx",
            OtherTool::Diesel => "diesel",
            OtherTool::Refinery => "refinery",
            OtherTool::GolangMigrate => "golang-migrate",
            OtherTool::Goose => "goose",
            OtherTool::Flyway => "Flyway",
            OtherTool::VersionsTable => "a table of versions",
            OtherTool::FilesTable => "a table of file names",
        }
    }

    /// The name in lower case and without spaces (`sqlx`, `golang-migrate`, `flyway`,
    /// `versions-table`, `files-table`), as a configuration or a command line spells it.
    pub fn key(self) -> &'static str {
        match self {
            OtherTool::Flyway => "flyway",
            OtherTool::VersionsTable => "versions-table",
            OtherTool::FilesTable => "files-table",
            tool => tool.name(),
        }
    }

    /// The table the tool writes unless told otherwise.
    pub fn default_table(self) -> &'static str {
        match self {
            OtherTool::Sqlx => "_sqlx_migrations",
            OtherTool::Diesel => "__diesel_schema_migrations",
            OtherTool::Refinery => "refinery_schema_history",
            OtherTool::GolangMigrate => "schema_migrations",
            OtherTool::Goose => "goose_db_version",
            OtherTool::Flyway => "flyway_schema_history",
            OtherTool::VersionsTable => "schema_version",
            OtherTool::FilesTable => "_migrations",
        }
    }

    /// Whether a run adopts this tool's history by itself (unless
    /// [`adopt_other_tools(false)`](crate::Migrator::adopt_other_tools)). The others' tables
    /// are imported on request: golang-migrate's `schema_migrations` is a name other frameworks
    /// use too, and goose and Flyway come from other languages, so their table is no sign that
    /// this binary's files are the ones they applied.
    pub fn adopted_at_boot(self) -> bool {
        matches!(
            self,
            OtherTool::Sqlx | OtherTool::Diesel | OtherTool::Refinery
        )
    }
}

impl fmt::Display for OtherTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The first of [`OtherTool::TOOLS`] whose table (under its unqualified default name, as
/// the tool creates it) holds rows, with how many; `None` when none does (an empty table
/// records nothing). `None` too when any module has rows in `migrations_table`: the database
/// was adopted already (imported, baselined, or migrated by this crate beside that table), and
/// a new module's first run there neither adopts nor is refused, or every plugin added after an
/// import would need the opt-out.
pub(crate) async fn other_history<B: Backend>(
    b: &mut B,
    migrations_table: &str,
) -> Result<Option<(OtherTool, i64)>, MigrateError> {
    if b.count_rows(migrations_table).await?.unwrap_or(0) > 0 {
        return Ok(None);
    }
    for tool in OtherTool::TOOLS {
        match b.count_rows(tool.default_table()).await? {
            Some(rows) if rows > 0 => return Ok(Some((tool, rows))),
            _ => {}
        }
    }
    Ok(None)
}
