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

    /// Whether a table under the tool's default name whose columns are `columns` is a
    /// migration tool's history rather than an application's table. golang-migrate's
    /// `schema_migrations` is a name other tools and applications use too, so a table so named
    /// is a history only in a tracker's layout: a `version` column with at most golang-migrate's
    /// `dirty` or Ecto's `inserted_at` beside it, as golang-migrate (`version, dirty`), dbmate
    /// and Rails (`version`) and Ecto (`version, inserted_at`) create it, or Sequel's one
    /// `filename` column; in any other
    /// (`schema_migrations(id, title, body)`) it is the application's own. The other tools'
    /// names are theirs alone: a table so named is their history whatever its columns (read as
    /// the tool lays it out when imported or adopted, and refused when it is not).
    ///
    /// The one rule a boot looking for other tools' history (which neither adopts nor refuses
    /// an application's table) and introspection (which compares it like the rest) share.
    pub(crate) fn keeps_history_in<'c>(self, columns: impl IntoIterator<Item = &'c str>) -> bool {
        if !self.name_is_shared() {
            return true;
        }
        let columns: Vec<&str> = columns.into_iter().collect();
        // Sequel's (and Hanami's) timestamp migrator keeps the applied files' names alone: a
        // history too, refused rather than applied over.
        if let [only] = columns[..] {
            if only.eq_ignore_ascii_case("filename") {
                return true;
            }
        }
        let tracker = ["version", "dirty", "inserted_at"];
        let mut version = false;
        for column in columns {
            if !tracker.iter().any(|t| column.eq_ignore_ascii_case(t)) {
                return false;
            }
            version |= column.eq_ignore_ascii_case("version");
        }
        version
    }

    /// Whether applications use the tool's default table name too, so that only the table's
    /// columns say whether it is a history ([`OtherTool::keeps_history_in`]).
    pub(crate) fn name_is_shared(self) -> bool {
        self == OtherTool::GolangMigrate
    }
}

impl fmt::Display for OtherTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The first of [`OtherTool::TOOLS`] whose table (under its unqualified default name, as
/// the tool creates it) holds rows and is laid out as a history
/// ([`OtherTool::keeps_history_in`]: an application's own `schema_migrations` is not), with how
/// many rows; `None` when none does (an empty table records nothing). `None` too when any module has rows in `migrations_table`: the database
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
        let table = tool.default_table();
        let Some(rows) = b.count_rows(table).await?.filter(|rows| *rows > 0) else {
            continue;
        };
        // Read only for a name applications use too, and only once it holds rows: a boot
        // beside no such table pays nothing more.
        if tool.name_is_shared() {
            let columns = b.column_names(table).await?.unwrap_or_default();
            if !tool.keeps_history_in(columns.iter().map(String::as_str)) {
                continue;
            }
        }
        return Ok(Some((tool, rows)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::OtherTool;

    #[test]
    fn schema_migrations_is_a_history_only_in_a_trackers_layout() {
        let golang = OtherTool::GolangMigrate;
        for tracker in [
            &["version", "dirty"][..],
            &["version"],
            &["version", "inserted_at"],
            &["Version", "DIRTY"],
            &["filename"],
        ] {
            assert!(
                golang.keeps_history_in(tracker.iter().copied()),
                "{tracker:?}"
            );
        }
        for own in [
            &["id", "title", "body"][..],
            &["version", "dirty", "applied_by"],
            &["dirty"],
            &["filename", "title"],
            &[],
        ] {
            assert!(!golang.keeps_history_in(own.iter().copied()), "{own:?}");
        }
        for tool in OtherTool::TOOLS {
            if tool != golang {
                assert!(tool.keeps_history_in(["id", "title"]), "{tool}");
            }
        }
    }
}
