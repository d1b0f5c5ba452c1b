//! Each tool's rows, as the tool writes them (the columns are those of `Import::query`, in its
//! order), read back into the migrations it applied.

use super::checksums;
use super::judge::{whole, Judge};
use crate::order::last_of_each;
use crate::tracking::other::Value;
use crate::tracking::state::Status;
use crate::MigrateError;

type Rows = Vec<Row>;

/// One row.
type Row = Vec<Value>;

impl Judge<'_, '_> {
    /// sqlx (sqlx-core's `migrate` for each database): `version, description, installed_on,
    /// success, checksum, execution_time` (nanoseconds; -1 when sqlx lost it).
    pub(super) fn sqlx(&mut self, rows: Rows) -> Result<(), MigrateError> {
        for row in rows {
            let version = self.int(&row[0], "version")?;
            if !row[3].flag() {
                return Err(self.failed(version, "`success` is false"));
            }
            let Some(m) = self.file(version) else {
                let description = row[1].text().unwrap_or_default().to_owned();
                self.missing(version, &format!("`{description}`"))?;
                continue;
            };
            if !checksums::sqlx_matches(m, row[4].bytes()) {
                self.mismatch(m, "SHA-384")?;
                continue;
            }
            let duration = row[5].int().filter(|ns| *ns >= 0).map(|ns| ns / 1_000_000);
            self.adopt(m, Status::Applied, &row[2], duration);
        }
        Ok(())
    }

    /// diesel (diesel_migrations' `MigrationHarness`): `version, run_on`, the version being
    /// the folder name's part before its first `_` with its dashes removed
    /// (`2017-08-31-230457_x` is `20170831230457`). There is no checksum.
    pub(super) fn diesel(&mut self, rows: Rows) -> Result<(), MigrateError> {
        for row in rows {
            let text = row[0].text().unwrap_or_default().to_owned();
            let by_text = self
                .migrator
                .migrations
                .applying()
                .find(|m| m.version_text.replace('-', "") == text);
            let m = by_text.or_else(|| whole(&text).and_then(|v| self.file(v)));
            match (m, whole(&text)) {
                (Some(m), _) => self.adopt(m, Status::Applied, &row[1], None),
                (None, Some(version)) => self.missing(version, &format!("`{text}`"))?,
                (None, None) => {
                    return Err(self.unusable(
                        format!("the version `{text}`"),
                        "is not a number, so no migration folder here can have it",
                        "delete or fix that row, then run again",
                    ))
                }
            }
        }
        Ok(())
    }

    /// refinery (refinery-core's `traits`): `version, name, applied_on, checksum`, the
    /// checksum a `u64` written as text.
    pub(super) fn refinery(&mut self, rows: Rows) -> Result<(), MigrateError> {
        for row in rows {
            let version = self.int(&row[0], "version")?;
            let name = row[1].text().unwrap_or_default().to_owned();
            let Some(m) = self.file(version) else {
                self.missing(version, &format!("`{name}`"))?;
                continue;
            };
            let recorded = row[3].text().and_then(|c| c.trim().parse::<u64>().ok());
            let Some(recorded) = recorded else {
                return Err(self.unusable(
                    format!("migration {version} with the checksum {:?}", row[3].text()),
                    "is not a number as refinery writes it",
                    "delete or fix that row, then run again",
                ));
            };
            if !checksums::refinery_matches(m, &name, version, recorded) {
                self.mismatch(m, "refinery's SipHash")?;
                continue;
            }
            self.adopt(m, Status::Applied, &row[2], None);
        }
        Ok(())
    }

    /// golang-migrate (its database drivers' `SetVersion`): one row `version, dirty`, for the
    /// last version applied; every version up to it is applied. A dirty row is a migration
    /// that failed part-way. There are no times.
    pub(super) fn golang_migrate(&mut self, rows: Rows) -> Result<(), MigrateError> {
        if rows.len() > 1 {
            return Err(self.unusable(
                format!("{} rows", rows.len()),
                "is not golang-migrate's one row for the last version applied",
                "keep only the row of the last version applied, then import again",
            ));
        }
        let Some(row) = rows.first() else {
            return Ok(());
        };
        let version = self.int(&row[0], "version")?;
        if row[1].flag() {
            return Err(self.failed(version, "`dirty` is true"));
        }
        if self.file(version).is_none() {
            self.missing(version, "the last version golang-migrate applied")?;
        }
        let applied: Vec<_> = self
            .migrator
            .migrations
            .applying()
            .filter(|m| m.version <= version)
            .collect();
        for m in applied {
            self.adopt(m, Status::Applied, &Value::Null, None);
        }
        Ok(())
    }

    /// goose (its `dialect` queries): `id, version_id, is_applied, tstamp`, a row for each
    /// apply and (in older versions) each rollback; the latest row of a version says where it
    /// stands. Version 0 is goose's own first row.
    pub(super) fn goose(&mut self, rows: Rows) -> Result<(), MigrateError> {
        let mut latest = Vec::new();
        for row in rows {
            let version = self.int(&row[1], "version_id")?;
            if version != 0 {
                latest.push((version, (row[2].flag(), row[3].clone())));
            }
        }
        for (version, (applied, at)) in last_of_each(latest) {
            if !applied {
                continue;
            }
            match self.file(version) {
                Some(m) => self.adopt(m, Status::Applied, &at, None),
                None => self.missing(version, "applied by goose")?,
            }
        }
        Ok(())
    }

    /// Flyway (its `getRawCreateScript` for each database): `installed_rank, version, type,
    /// script, checksum, installed_on, execution_time, success`, in the order applied. The
    /// latest row of a version says where it stands: an `UNDO_*` or `DELETE` row takes it
    /// back; a `BASELINE` row stands for every version up to its own; `SCHEMA` is Flyway's own
    /// row; a row without a version is a repeatable migration, skipped.
    pub(super) fn flyway(&mut self, rows: Rows) -> Result<(), MigrateError> {
        // Each version's rows in order, `None` for one that takes it back.
        let mut latest: Vec<(i64, Option<Row>)> = Vec::new();
        let mut baseline = None;
        for row in rows {
            let script = row[3].text().unwrap_or_default().to_owned();
            let Some(text) = row[1].text().map(str::to_owned) else {
                self.skipped
                    .push(format!("`{script}`: a repeatable migration"));
                continue;
            };
            let kind = row[2].text().unwrap_or_default().to_owned();
            if kind == "SCHEMA" {
                continue;
            }
            let Some(version) = whole(&text) else {
                return Err(self.unusable(
                    format!("the version `{text}` (`{script}`)"),
                    "is not a whole number, so no migration file here can have it",
                    "delete that row if the migration is not among these files, then import again",
                ));
            };
            match kind.as_str() {
                "BASELINE" => baseline = Some((version, row[5].clone())),
                "DELETE" => latest.push((version, None)),
                undo if undo.starts_with("UNDO") => latest.push((version, None)),
                _ => latest.push((version, Some(row))),
            }
        }
        let latest = last_of_each(latest)
            .into_iter()
            .filter_map(|(version, row)| Some((version, row?)));
        for (version, row) in latest {
            if !row[7].flag() {
                return Err(self.failed(version, "`success` is false"));
            }
            let Some(m) = self.file(version) else {
                let script = row[3].text().unwrap_or_default().to_owned();
                self.missing(version, &format!("`{script}`"))?;
                continue;
            };
            // Only an SQL migration's checksum is the file's; Java migrations have their own.
            let sql = row[2].text() == Some("SQL");
            if let (true, Some(recorded)) = (sql, row[4].int()) {
                if recorded != i64::from(checksums::flyway(m)) {
                    self.mismatch(m, "CRC-32")?;
                    continue;
                }
            }
            self.adopt(m, Status::Applied, &row[5], row[6].int());
        }
        if let Some((version, at)) = baseline {
            let covered: Vec<_> = self
                .migrator
                .migrations
                .applying()
                .filter(|m| m.version <= version)
                .collect();
            for m in covered {
                self.adopt(m, Status::Baseline, &at, None);
            }
        }
        Ok(())
    }
}
