//! What [`Migrator::import`](crate::Migrator::import) reads: a tool's history table, or a table
//! written by hand, and the columns that say what it holds.

use crate::backend::is_identifier_path;
use crate::engine::other_tools::OtherTool;
use crate::tracking::other::{OtherQuery, Read};
use crate::MigrateError;

/// The history another tool left, to import with [`Migrator::import`](crate::Migrator::import).
///
/// ```ignore
/// use schema_runtime::{Import, OtherTool};
///
/// MIGRATIONS.migrator().import(&pool, Import::tool(OtherTool::Goose)).await?;
/// MIGRATIONS.migrator().import(&pool, Import::tool(OtherTool::Flyway).table("app_history")).await?;
/// // A hand-written table whose `state` column says `applied`, `rolled_back`, ...
/// MIGRATIONS.migrator().import(&pool, Import::versions_table("schema_version").status_column("state")).await?;
/// // A hand-written table of file names.
/// MIGRATIONS.migrator().import(&pool, Import::files_table("_migrations")).await?;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub(crate) tool: OtherTool,
    pub(crate) table: String,
    pub(crate) key_column: String,
    pub(crate) status_column: Option<String>,
    pub(crate) applied_values: Option<Vec<String>>,
    pub(crate) applied_at_column: Option<String>,
    /// The first option given that this kind of table has no use for, refused by `check`.
    pub(crate) misplaced: Option<&'static str>,
}

impl Import {
    /// The history `tool` keeps, in its default table ([`OtherTool::default_table`]).
    pub fn tool(tool: OtherTool) -> Import {
        let (key, applied_at) = match tool {
            OtherTool::FilesTable => ("filename", Some("applied_at")),
            _ => ("version", None),
        };
        Import {
            tool,
            table: tool.default_table().to_owned(),
            key_column: key.to_owned(),
            status_column: None,
            applied_values: None,
            applied_at_column: applied_at.map(str::to_owned),
            misplaced: None,
        }
    }

    /// A table of versions (`table(version)`): each version it lists is applied, unless a
    /// status column says otherwise ([`Import::status_column`]).
    pub fn versions_table(table: impl Into<String>) -> Import {
        Import::tool(OtherTool::VersionsTable).table(table)
    }

    /// A table of file names (`table(filename, applied_at)`): each file it lists is applied;
    /// a name matches the embedded file of that name (`0003_users.sql`, also written without
    /// `.sql` or with its folder), or a diesel folder's name.
    pub fn files_table(table: impl Into<String>) -> Import {
        Import::tool(OtherTool::FilesTable).table(table)
    }

    /// Reads `table` instead of the tool's default one (a tool configured with another name,
    /// or a table in another schema: `schema.table`).
    pub fn table(mut self, table: impl Into<String>) -> Import {
        self.table = table.into();
        self
    }

    /// A table of versions: the column that holds them (default `version`).
    pub fn version_column(mut self, column: impl Into<String>) -> Import {
        self.only_for(OtherTool::VersionsTable, "version_column()");
        self.key_column = column.into();
        self
    }

    /// A table of file names: the column that holds them (default `filename`).
    pub fn file_column(mut self, column: impl Into<String>) -> Import {
        self.only_for(OtherTool::FilesTable, "file_column()");
        self.key_column = column.into();
        self
    }

    /// A table of versions: the column that says whether a version is applied. By default a
    /// value such as `applied`, `success`, `done`, `up` or `true` means applied, and
    /// `rolled_back`, `failed`, `pending`, `down` or `false` means not applied (case and `-`,
    /// `_` or spaces do not matter); any other value is refused, so that nothing is taken for
    /// applied by a guess. [`Import::applied_values`] says exactly which values mean applied.
    pub fn status_column(mut self, column: impl Into<String>) -> Import {
        self.only_for(OtherTool::VersionsTable, "status_column()");
        self.status_column = Some(column.into());
        self
    }

    /// With [`Import::status_column`]: the values that mean applied, compared exactly; every
    /// other value means not applied.
    pub fn applied_values<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Import {
        self.only_for(OtherTool::VersionsTable, "applied_values()");
        self.applied_values = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// A table of versions or file names: the column that holds when each was applied, kept as
    /// the applied time here (default: none for a table of versions, `applied_at` for a table
    /// of file names). A timestamp, or text such as `2024-05-04 09:02:41`.
    pub fn applied_at_column(mut self, column: impl Into<String>) -> Import {
        self.only_for_tables("applied_at_column()");
        self.applied_at_column = Some(column.into());
        self
    }

    /// A table of versions or file names: no column holds when each was applied; they are
    /// recorded as applied now.
    pub fn without_applied_at(mut self) -> Import {
        self.only_for_tables("without_applied_at()");
        self.applied_at_column = None;
        self
    }

    /// The tool whose history this reads.
    pub fn source(&self) -> OtherTool {
        self.tool
    }

    /// The table this reads.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    fn only_for(&mut self, tool: OtherTool, option: &'static str) {
        if self.tool != tool {
            self.misplaced.get_or_insert(option);
        }
    }

    fn only_for_tables(&mut self, option: &'static str) {
        if !matches!(self.tool, OtherTool::VersionsTable | OtherTool::FilesTable) {
            self.misplaced.get_or_insert(option);
        }
    }

    /// Refuses an option this kind of table has no use for, and names that are not plain
    /// identifiers (they are written into SQL).
    pub(crate) fn check(&self) -> Result<(), MigrateError> {
        if let Some(option) = self.misplaced {
            return Err(MigrateError::ImportOption {
                option,
                tool: self.tool.name().to_owned(),
            });
        }
        if !is_identifier_path(&self.table) {
            return Err(MigrateError::InvalidLegacyTable {
                name: self.table.clone(),
            });
        }
        let columns = [Some(&self.key_column), self.status_column.as_ref()];
        let columns = columns.into_iter().chain([self.applied_at_column.as_ref()]);
        for column in columns.flatten() {
            if !is_identifier_path(column) || column.contains('.') {
                return Err(MigrateError::InvalidLegacyTable {
                    name: column.clone(),
                });
            }
        }
        Ok(())
    }

    /// Where a table of versions or file names has its status and time in a row of
    /// [`Import::query`], when it has them.
    pub(crate) fn optional_columns(&self) -> (Option<usize>, Option<usize>) {
        let status = self.status_column.as_ref().map(|_| 1);
        let applied_at = self
            .applied_at_column
            .as_ref()
            .map(|_| 1 + usize::from(status.is_some()));
        (status, applied_at)
    }

    /// The query of the table: the columns each tool's reader expects, in its order.
    pub(crate) fn query(&self) -> OtherQuery<'_> {
        let columns: Vec<(&str, Read)> = match self.tool {
            OtherTool::Sqlx => vec![
                ("version", Read::Int),
                ("description", Read::Text),
                ("installed_on", Read::Time),
                ("success", Read::Flag),
                ("checksum", Read::Bytes),
                ("execution_time", Read::Int),
            ],
            OtherTool::Diesel => vec![("version", Read::Text), ("run_on", Read::Time)],
            OtherTool::Refinery => vec![
                ("version", Read::Int),
                ("name", Read::Text),
                ("applied_on", Read::Time),
                ("checksum", Read::Text),
            ],
            OtherTool::GolangMigrate => vec![("version", Read::Int), ("dirty", Read::Flag)],
            OtherTool::Goose => vec![
                ("id", Read::Int),
                ("version_id", Read::Int),
                ("is_applied", Read::Flag),
                ("tstamp", Read::Time),
            ],
            OtherTool::Flyway => vec![
                ("installed_rank", Read::Int),
                ("version", Read::Text),
                ("type", Read::Text),
                ("script", Read::Text),
                ("checksum", Read::Int),
                ("installed_on", Read::Time),
                ("execution_time", Read::Int),
                ("success", Read::Flag),
            ],
            // The status and the time only when the table has them: see `optional_columns`.
            OtherTool::VersionsTable | OtherTool::FilesTable => {
                let mut columns = vec![(self.key_column.as_str(), Read::Text)];
                columns.extend(self.status_column.as_deref().map(|c| (c, Read::Text)));
                columns.extend(self.applied_at_column.as_deref().map(|c| (c, Read::Time)));
                columns
            }
        };
        let order_by = match self.tool {
            OtherTool::Goose => Some("id"),
            OtherTool::Flyway => Some("installed_rank"),
            OtherTool::VersionsTable | OtherTool::FilesTable => None,
            _ => Some("version"),
        };
        OtherQuery {
            tool: self.tool.name(),
            table: &self.table,
            columns,
            order_by,
        }
    }
}
