//! The command line's own way out of a runtime error: the runtime's messages name its API
//! (`ignore_missing()`, `repair(2)`), never this tool's flags, so the flag or command that does
//! the same is added here, by variant, under the error.

use crate::Error;
use schema_runtime::MigrateError;

/// The flag or command that resolves `error`, when the command line has one. `program` is what
/// the commands are run as: `schema ` for the binary, empty for mounted commands (their
/// application's name is not known here, so only the subcommand is named).
pub(crate) fn hint(error: &Error, program: &str) -> Option<String> {
    let Error::Migrate(error) = error else {
        return None;
    };
    Some(match error {
        MigrateError::MissingMigration { .. } => {
            format!("`{program}up --ignore-missing` applies the rest without refusing")
        }
        MigrateError::OutOfOrder { .. } => {
            format!("`{program}up --allow-out-of-order` applies it anyway")
        }
        MigrateError::Dirty { version, .. } => format!(
            "`{program}resume` runs the statements that did not complete; `{program}repair {version}` marks it resolved once put right by hand"
        ),
        MigrateError::TransactionLeftOpen { version, .. } => {
            format!("`{program}repair {version}` marks it resolved once put right by hand")
        }
        MigrateError::LockTimeout { .. } => {
            "`--lock-timeout <SECONDS>` raises the wait (default 60)".to_owned()
        }
        MigrateError::ForeignTable { .. } => {
            "`--table-prefix <PREFIX>` gives this project other tracking tables".to_owned()
        }
        MigrateError::OtherToolHistory { tool, table, .. } => {
            let mut import = format!("`{program}import {}` adopts its history; ", tool.key());
            if *tool == schema_runtime::OtherTool::GolangMigrate {
                // The same table name as dbmate's, Rails' and Ecto's, which have no `dirty`.
                import.push_str(&format!("`{program}import-versions {table}` adopts dbmate's, Rails' or Ecto's (no `dirty` column); "));
            }
            let adopt = if tool.adopted_at_boot() {
                format!("`{program}up` without `--no-adopt` adopts it; ")
            } else {
                String::new()
            };
            format!("{adopt}{import}`{program}baseline <VERSION>` marks what the database already has; `{program}up --ignore-other-tools` applies anyway")
        }
        MigrateError::NoTransactionInAllOrNothing { .. } => {
            "leave out `--all-or-nothing`, or stop before it with `--to <VERSION>`".to_owned()
        }
        MigrateError::EditedSinceFailure { .. } => {
            "`--allow-edited` (on `resume` or `repair`) accepts the edited file".to_owned()
        }
        MigrateError::StatementInDoubt { .. } => {
            format!("`{program}resume --statement-ran` or `{program}resume --statement-did-not-run` says which way it went")
        }
        MigrateError::UnknownModule { .. } => {
            "`--module <NAME>` picks the module; `modules` lists them".to_owned()
        }
        MigrateError::ModuleNotRemovable { module, .. } => {
            format!("`{program}modules deactivate {module}` stops applying it and keeps its data")
        }
        MigrateError::NoDevDatabase => {
            format!("`{program}diff --dev-url <URL>` names a database on a server where a scratch database may be created and dropped")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounted_commands_name_the_subcommand_alone() {
        let error = Error::Migrate(MigrateError::TransactionLeftOpen {
            version: 4,
            file: "migrations/4_open.sql".to_owned(),
            progress: "1 of 3 statements stand".to_owned(),
            applied_before: Vec::new(),
        });
        assert_eq!(
            hint(&error, "").as_deref(),
            Some("`repair 4` marks it resolved once put right by hand")
        );
        assert_eq!(
            hint(&error, "schema ").as_deref(),
            Some("`schema repair 4` marks it resolved once put right by hand")
        );
    }
}
