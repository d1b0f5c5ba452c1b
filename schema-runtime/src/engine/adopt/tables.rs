//! Tables written by hand: a table of versions, optionally with a status column, and a table of
//! file names.

use super::import::Import;
use super::judge::{whole, Judge};
use crate::tracking::other::Value;
use crate::tracking::state::Status;
use crate::{MigrateError, Migration};

/// Status values that mean applied, compared after [`normalized`].
const APPLIED: &[&str] = &[
    "applied",
    "success",
    "succeeded",
    "successful",
    "done",
    "complete",
    "completed",
    "ok",
    "up",
    "migrated",
    "true",
    "t",
    "yes",
    "y",
    "1",
];

/// Status values that mean not applied, compared after [`normalized`].
const NOT_APPLIED: &[&str] = &[
    "rolled_back",
    "rolledback",
    "rollback",
    "reverted",
    "undone",
    "failed",
    "failure",
    "error",
    "pending",
    "running",
    "started",
    "in_progress",
    "skipped",
    "down",
    "false",
    "f",
    "no",
    "n",
    "0",
];

/// Lower case, with `-` and spaces read as `_`.
fn normalized(value: &str) -> String {
    value.trim().to_lowercase().replace(['-', ' '], "_")
}

impl Judge<'_, '_> {
    /// Whether a row's status means applied.
    fn says_applied(&self, import: &Import, value: &Value) -> Result<bool, MigrateError> {
        let value = value.text();
        if let Some(applied) = &import.applied_values {
            return Ok(value.is_some_and(|v| applied.iter().any(|a| a == v)));
        }
        let known = value.map(normalized);
        match known.as_deref() {
            Some(v) if APPLIED.contains(&v) => Ok(true),
            Some(v) if NOT_APPLIED.contains(&v) => Ok(false),
            _ => Err(MigrateError::UnknownStatus {
                table: self.table.to_owned(),
                column: import.status_column.clone().unwrap_or_default(),
                value: value.map_or_else(|| "NULL".to_owned(), |v| format!("`{v}`")),
            }),
        }
    }

    /// A table of versions: `version[, status][, applied_at]`. A version is applied when its
    /// rows say so; rows that disagree are refused, as the table does not say which came last.
    pub(super) fn versions(
        &mut self,
        import: &Import,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), MigrateError> {
        let (status, applied_at) = import.optional_columns();
        let mut listed = Vec::new();
        for row in rows {
            let Some(version) = row[0].text().and_then(whole) else {
                return Err(MigrateError::LegacyVersionNotWhole {
                    table: self.table.to_owned(),
                    value: row[0]
                        .text()
                        .map_or_else(|| "NULL".to_owned(), |v| format!("`{v}`")),
                });
            };
            let applied = match status {
                Some(i) => self.says_applied(import, &row[i])?,
                None => true,
            };
            let at = applied_at.map_or(Value::Null, |i| row[i].clone());
            listed.push((version, (applied, at)));
        }
        // By version, each with its first row; rows of a version must agree.
        crate::order::sort_by_key(&mut listed, |row| row.0);
        let mut versions: Vec<(i64, (bool, Value))> = Vec::with_capacity(listed.len());
        for (version, (applied, at)) in listed {
            match versions.last() {
                Some((previous, (was, _))) if *previous == version => {
                    if *was != applied {
                        return Err(self.unusable(
                            format!("version {version}"),
                            "is listed both as applied and as not applied, and the table does not say which came last",
                            "delete the row that no longer holds, then import again",
                        ));
                    }
                }
                _ => versions.push((version, (applied, at))),
            }
        }
        for (version, (applied, at)) in versions {
            if !applied {
                continue;
            }
            match self.file(version) {
                Some(m) => self.adopt(m, Status::Applied, &at, None),
                None => {
                    let listed = format!("listed in `{}`", self.table);
                    self.missing(version, &listed)?
                }
            }
        }
        Ok(())
    }

    /// A table of file names: `filename[, applied_at]`, each name matched to the embedded file
    /// of that name.
    pub(super) fn files(
        &mut self,
        import: &Import,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), MigrateError> {
        let (_, applied_at) = import.optional_columns();
        for row in rows {
            let Some(name) = row[0].text().map(str::to_owned) else {
                return Err(self.unusable(
                    format!("a row whose `{}` is NULL", import.key_column),
                    "names no file",
                    "delete that row, then import again",
                ));
            };
            let at = applied_at.map_or(Value::Null, |i| row[i].clone());
            let found = self
                .migrator
                .migrations
                .applying()
                .find(|m| names_file(&name, m));
            match found {
                Some(m) => self.adopt(m, Status::Applied, &at, None),
                None if self.migrator.ignore_missing => self
                    .skipped
                    .push(format!("`{name}`: no file of this set has that name")),
                None => {
                    return Err(self.unusable(
                        format!("the file name `{name}`"),
                        "is the name of no file of this set",
                        "restore the file, or leave out the rows of files this set no longer has with `ignore_missing()`",
                    ))
                }
            }
        }
        Ok(())
    }
}

/// Whether a recorded file name names `m`: its file name (`0003_users.sql`, `0003_users.up.sql`),
/// also without `.sql` or `.up.sql` and with any folder before it, or the name of its diesel
/// folder (`2017-08-31-230457_users`).
fn names_file(recorded: &str, m: &Migration) -> bool {
    let last = |path: &str| path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned();
    let bare = |name: &str| {
        let name = name.strip_suffix(".sql").unwrap_or(name);
        name.strip_suffix(".up").unwrap_or(name).to_owned()
    };
    let recorded = bare(&last(recorded.trim()));
    let file = last(m.path);
    if file == "up.sql" {
        let folder = m.path.rsplit(['/', '\\']).nth(1).unwrap_or_default();
        return recorded == folder;
    }
    recorded == bare(&file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Checksum;
    use schema_core::MigrationKind;

    fn at(path: &'static str) -> Migration {
        Migration {
            version: 3,
            version_text: "0003",
            description: "users",
            kind: MigrationKind::Simple,
            sql: "",
            source: "",
            checksum: Checksum([0; 32]),
            legacy_checksum: None,
            loose_checksum: Checksum([0; 32]),
            statement_count: 0,
            directives: &[],
            noop: true,
            path,
        }
    }

    #[test]
    fn a_file_name_matches_with_or_without_its_folder_and_extension() {
        let m = at("migrations/0003_users.sql");
        for name in [
            "0003_users.sql",
            "0003_users",
            "db/migrations/0003_users.sql",
        ] {
            assert!(names_file(name, &m), "{name}");
        }
        assert!(!names_file("0003_user.sql", &m));
        assert!(!names_file("3_users.sql", &m));
        let up = at("migrations/0003_users.up.sql");
        assert!(names_file("0003_users.up.sql", &up));
        assert!(names_file("0003_users", &up));
        let diesel = at("migrations/2017-08-31-230457_users/up.sql");
        assert!(names_file("2017-08-31-230457_users", &diesel));
        assert!(!names_file("up.sql", &diesel));
    }

    #[test]
    fn status_values_are_read_without_case_or_separators() {
        assert_eq!(normalized(" Rolled-Back "), "rolled_back");
        assert!(APPLIED.contains(&normalized("SUCCESS").as_str()));
        assert!(NOT_APPLIED.contains(&normalized("in progress").as_str()));
    }
}
