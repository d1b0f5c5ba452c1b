//! The way out of each error ([`MigrateError::help`]), apart from the messages that end with it.

use super::MigrateError;
use crate::OtherTool;

impl MigrateError {
    /// The way out: what to do so that the operation succeeds, naming this crate's API
    /// (`repair(version)`, `ignore_missing()`, ...), for a program that shows it apart from
    /// the message (the message ends with the same text after `; `, see [`MigrateError`]).
    ///
    /// `None` when the way out depends only on the cause ([`MigrateError::Database`]), is
    /// part of the variant's data ([`MigrateError::NotResumable`]'s `reason`,
    /// [`MigrateError::Leftover`]), or there is nothing to do (nothing to import or resume).
    ///
    /// A `String`, not a `&'static str`: most ways out name the version, file or table of
    /// this error.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            MigrateError::Database { .. }
            | MigrateError::NoLegacyTable { .. }
            | MigrateError::NothingToResume { .. }
            | MigrateError::NotResumable { .. }
            | MigrateError::Leftover { .. }
            | MigrateError::NotFailed { .. } => return None,
            MigrateError::UnknownModule { known, .. } => format!("give one of the registered modules: {}", super::known_modules(known)),
            MigrateError::DuplicateModule { .. } => "give one of the two sets another `module = \"…\"`, or register it once".to_owned(),
            MigrateError::CoreModule { .. } => "register it as a `plugin` to activate, deactivate or remove it".to_owned(),
            MigrateError::ModuleNotRemovable { version, .. } => format!("add a `.down.sql` for migration {version}, or deactivate the module instead, which keeps its data"),
            MigrateError::ChecksumMismatch { .. } => {
                "restore the file as it was applied; a new change belongs in a new migration".to_owned()
            }
            MigrateError::MissingMigration { .. } => "deploy a binary that has it, or allow it with `ignore_missing()`, e.g. while an older replica still runs".to_owned(),
            MigrateError::Dirty { version, .. } => format!("run the statements that did not complete with `resume()`, or check which of its statements took effect and finish or undo them by hand, then mark it resolved with `repair({version})`"),
            MigrateError::OutOfOrder { newest_applied, .. } => format!("give it a version after {newest_applied}, or allow it with `allow_out_of_order()`"),
            MigrateError::Failed { statement, line, version, .. } => format!("fix statement {statement} (line {line}) as the database's error says, then run again; a migration recorded as failed is then finished with `resume()`, or marked resolved with `repair({version})` once put right by hand"),
            MigrateError::CommitFailed { .. } => "a deferred constraint or trigger is checked at COMMIT: fix the file or the data it meets, then run again".to_owned(),
            MigrateError::TransactionLeftOpen { version, .. } => format!("end the transaction in the file, put the database right, then mark the migration resolved with `repair({version})`"),
            MigrateError::LockTimeout { .. } => "wait for it, or raise the wait with `lock_timeout()`".to_owned(),
            MigrateError::Lock { .. } => "check that the folder of the database is writable".to_owned(),
            MigrateError::PrivateInMemory { .. } => "name a shared in-memory database (`sqlite::memory:` as sqlx reads it, or `file:name?mode=memory&cache=shared`), or give the pool `max_connections(1)`".to_owned(),
            MigrateError::UnknownVersion { first, last, .. } => format!("give one of its versions, which run from {first} to {last}"),
            MigrateError::ForeignTable { .. } => "another tool may own it: give this project other tracking tables with `TableNames::with_prefix(..)`, or drop the table if nothing uses it".to_owned(),
            MigrateError::OtherToolHistory { tool, table, .. } => other_tool_way_out(*tool, table),
            MigrateError::InvalidLegacyTable { .. } => "give the table of versions to import as letters, digits and `_`, optionally after one `schema.`".to_owned(),
            MigrateError::EmptyModule => "name the module (the default is `default`)".to_owned(),
            MigrateError::InvalidTableName { .. } => "use letters, digits and `_`, optionally after one `schema.`".to_owned(),
            MigrateError::NoTransactionInAllOrNothing { .. } => "apply it in a run of its own, or drop `all_or_nothing()`".to_owned(),
            MigrateError::RevertForwardOnly { version, .. } => format!("revert to {version} or later, or add a `.down.sql`"),
            MigrateError::LegacyVersionNotWhole { .. } => "delete or fix that row (another tool's repeatable or dotted versions have no counterpart), then import again".to_owned(),
            MigrateError::EditedSinceFailure { .. } => "the statements that ran were the old file's, so compare the two, then allow it explicitly (`allow_edited()`)".to_owned(),
            MigrateError::StatementInDoubt { .. } => "check in the database whether it took effect, then say so (`statement_in_doubt(InDoubt::Ran)` or `InDoubt::DidNotRun`)".to_owned(),
            MigrateError::SettingNotSetBack { .. } => "change the setting with `SET LOCAL` (or `set_config(.., true)`), which ends with the transaction, or set it back at the end of the file".to_owned(),
            MigrateError::UnsupportedOption { option, database, .. } => format!("leave `{option}` out of the migrator for {database}"),
            MigrateError::OtherFailedRow { tool, table, .. } => format!("finish or undo it with {tool}, or put the database right by hand and delete that row from `{table}`, then run again"),
            MigrateError::OtherChecksumMismatch { tool, .. } => format!("restore the file as {tool} applied it; a change belongs in a new migration"),
            MigrateError::OtherRowUnusable { way_out, .. } => way_out.clone(),
            MigrateError::OtherTableLayout { table, .. } => format!("when `{table}` is not that tool's history, run with `ignore_other_tools()`; a table of versions or file names of its own is imported with `import(Import::versions_table(..))` or `Import::files_table(..)`"),
            MigrateError::UnknownStatus { .. } => "say which values mean applied with `applied_values(..)`".to_owned(),
            MigrateError::NoDevDatabase => "give the URL of a database on a server where a scratch database may be created and dropped (`verify_schema_with_dev(pool, dev_url)`)".to_owned(),
            MigrateError::SchemaChanged { .. } => "undo the change, or make it a new migration; once the database is as it should be, record its schema with `record_schema(pool)` (`verify_schema` compares it with the migrations)".to_owned(),
            MigrateError::ImportOption { .. } => "leave it out; it applies to `Import::versions_table(..)` or `Import::files_table(..)`".to_owned(),
        })
    }
}

/// What a [`MigrateError::Dirty`] row says: a failure, or a process that stopped part-way.
pub(super) fn dirty_state(status: &str, progress: &str, error: &str) -> String {
    if status == crate::tracking::state::Status::Running.as_str() {
        format!("was being applied by a process that stopped before it finished, and is recorded as running ({progress})")
    } else {
        format!("failed earlier and is recorded as {status} ({progress}): {error}")
    }
}

/// The way out of [`MigrateError::OtherToolHistory`]: adopting the history in `table`, or
/// marking what is there, or running beside a table that is not this set's.
fn other_tool_way_out(tool: OtherTool, table: &str) -> String {
    let adopt = if tool.adopted_at_boot() {
        format!("let the run adopt its history (leave out `adopt_other_tools(false)`), import it with `import(Import::tool(OtherTool::{tool:?}))`")
    } else {
        format!("adopt its history with `import(Import::tool(OtherTool::{tool:?}))`")
    };
    // golang-migrate's table name is dbmate's, Rails' and Ecto's too: their tables have no
    // `dirty` column and one row per version, which the versions-table import reads.
    let shared = if tool.name_is_shared() {
        format!(" (a `{table}` without golang-migrate's `dirty` column, as dbmate, Rails and Ecto keep it, holds a row per version: import it with `import(Import::versions_table(\"{table}\"))`)")
    } else {
        String::new()
    };
    format!("{adopt}{shared}, or mark what the database already has with `baseline(version)`, or, when `{table}` has nothing to do with these migrations, run with `ignore_other_tools()`")
}
