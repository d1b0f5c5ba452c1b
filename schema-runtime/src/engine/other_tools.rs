//! Other migration tools' tracking tables: a database one of them migrated must not be migrated
//! again from the first file as if it were new.

use crate::backend::Backend;
use crate::MigrateError;

/// A migration tool whose history table a database may hold, and that table's usual name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OtherTool {
    /// The tool, as its users know it.
    pub tool: &'static str,
    /// The table where it records what it applied.
    pub table: &'static str,
}

/// The tools looked for, in the order they are reported.
pub(crate) const OTHER_TOOLS: [OtherTool; 6] = [
    OtherTool {
        tool: "sqlx",
        table: "_sqlx_migrations",
    },
    OtherTool {
        tool: "diesel",
        table: "__diesel_schema_migrations",
    },
    OtherTool {
        tool: "refinery",
        table: "refinery_schema_history",
    },
    OtherTool {
        tool: "golang-migrate",
        table: "schema_migrations",
    },
    OtherTool {
        tool: "goose",
        table: "goose_db_version",
    },
    OtherTool {
        tool: "Flyway",
        table: "flyway_schema_history",
    },
];

/// One of [`OTHER_TOOLS`] found in the database, with the rows its table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FoundTable {
    pub tool: OtherTool,
    pub rows: i64,
}

/// Every table of [`OTHER_TOOLS`] that exists in the database (under its unqualified name, as
/// the tool creates it), with how many rows it holds, empty tables included.
pub(crate) async fn other_tools_tables<B: Backend>(
    b: &mut B,
) -> Result<Vec<FoundTable>, MigrateError> {
    let mut found = Vec::new();
    for tool in OTHER_TOOLS {
        if let Some(rows) = b.count_rows(tool.table).await? {
            found.push(FoundTable { tool, rows });
        }
    }
    Ok(found)
}

/// The error for a database whose only history is another tool's: the first table of
/// [`OTHER_TOOLS`] that holds rows, or `None` when none does (an empty table records nothing).
/// A database where any module has rows in `migrations_table` was adopted already (imported,
/// baselined, or migrated by this crate beside that table): a new module's first run there is
/// not refused, or every plugin added after an import would need the opt-out.
pub(crate) async fn refuse_other_history<B: Backend>(
    b: &mut B,
    module: &str,
    migrations_table: &str,
) -> Result<(), MigrateError> {
    if b.count_rows(migrations_table).await?.unwrap_or(0) > 0 {
        return Ok(());
    }
    let found = other_tools_tables(b).await?;
    match found.into_iter().find(|t| t.rows > 0) {
        None => Ok(()),
        Some(t) => Err(MigrateError::OtherToolHistory {
            module: module.to_owned(),
            tool: t.tool.tool.to_owned(),
            table: t.tool.table.to_owned(),
            rows: t.rows,
        }),
    }
}
