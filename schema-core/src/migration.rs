use crate::checksum::Checksum;
use crate::directive::Directive;
use std::path::PathBuf;

/// Whether a file is a forward-only migration, one half of a reversible pair, or a repeatable
/// migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MigrationKind {
    /// `<VERSION>_<description>.sql` (or `V<VERSION>__<description>.sql`): applied, never
    /// reverted.
    Simple,
    /// `<VERSION>_<description>.up.sql` (or diesel's `up.sql`, or the up section of a goose or
    /// dbmate file): applies a reversible migration.
    Up,
    /// `<VERSION>_<description>.down.sql` (or diesel's `down.sql`, or the down section of a
    /// goose or dbmate file): reverts it.
    Down,
    /// Flyway's `R__<description>.sql`: applied after every versioned migration, and applied
    /// again whenever its checksum changes. Its version is a key derived from its description
    /// ([`repeatable_key`](crate::repeatable_key)), negative, so that it never meets a real
    /// version.
    Repeatable,
}

impl MigrationKind {
    /// `simple`, `up`, `down` or `repeatable`.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationKind::Simple => "simple",
            MigrationKind::Up => "up",
            MigrationKind::Down => "down",
            MigrationKind::Repeatable => "repeatable",
        }
    }
}

/// How a folder lays out its migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Files directly in the folder, named `<VERSION>_<description>[.up|.down].sql` (sqlx).
    Files,
    /// One folder per migration, `<VERSION>_<name>/up.sql` and `down.sql` (diesel).
    Folders,
}

/// One migration file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The number the migration is tracked under.
    pub version: i64,
    /// The version as written in the name (`0001`, `2017-08-31-230457`).
    pub version_text: String,
    /// The text after the version, without the suffix (`create_users`).
    pub description: String,
    /// Simple, up or down.
    pub kind: MigrationKind,
    /// Absolute path of the file.
    pub path: PathBuf,
    /// The path shown in messages: relative to the root the folder was resolved from.
    pub display_path: String,
    /// The SQL to run: the file's content with a leading BOM removed; for one half of a goose
    /// or dbmate file, or a file wrapped in its own `BEGIN` … `COMMIT`, that content with what
    /// does not run (the other half, the `BEGIN` and `COMMIT`) blanked out: every character
    /// but line breaks turned into a space, so that each statement keeps its line and column.
    pub sql: String,
    /// The file's content with a leading BOM removed, when it differs from [`sql`](Self::sql).
    pub source: Option<String>,
    /// SHA-256 of the content with the BOM removed, CRLF turned into LF and the leading
    /// `-- schema:` directive lines left out ([`Checksum::of_migration`]); for one half of a
    /// goose or dbmate file, of that half's lines only (the down section for the down, the
    /// rest of the file for the up), so that editing the down leaves the up's checksum alone.
    pub checksum: Checksum,
    /// What earlier versions recorded for this file, the checksum of its whole content, where
    /// it differs from `checksum`: a database they migrated still matches. For a file with
    /// `-- schema:` lines, [`Checksum::legacy_of_migration`]; for the up half of a goose or
    /// dbmate file, [`Checksum::of`] the whole file, as versions that ran such a file as one
    /// migration recorded it.
    pub legacy_checksum: Option<Checksum>,
    /// [`Checksum::loose_of_migration`] the SQL: tells "only white space differs" from a real
    /// change.
    pub loose_checksum: Checksum,
    /// How many statements [`split_statements`](crate::split_statements) finds in the SQL.
    pub statement_count: usize,
    /// Directives from the leading comment lines.
    pub directives: Vec<Directive>,
    /// The file holds nothing but white space and comments (a kept no-op).
    pub noop: bool,
    /// The file starts with a byte order mark (which `sql` and `source` leave out): the
    /// macro then embeds the file without it.
    pub bom: bool,
}

impl Migration {
    /// The file's content with a leading BOM removed, as it was read.
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.sql)
    }

    /// Whether the file asked to run outside a transaction.
    pub fn no_transaction(&self) -> bool {
        self.directives.contains(&Directive::NoTransaction)
    }

    /// Whether the file opted out of the build-time SQL check (`-- schema: no-check`).
    pub fn no_check(&self) -> bool {
        self.directives.contains(&Directive::NoCheck)
    }
}

/// Every migration of a folder, in the order they apply: by version, an up before its down,
/// then the repeatable migrations by description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSet {
    /// The folder, absolute.
    pub dir: PathBuf,
    /// The folder as given (`migrations`), used as the prefix of display paths.
    pub display_dir: String,
    /// Files or diesel folders.
    pub layout: Layout,
    /// The migrations in apply order.
    pub migrations: Vec<Migration>,
}
