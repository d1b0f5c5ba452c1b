//! The plan of a run: the recorded history checked against the embedded set, and what is
//! left to apply.

use crate::backend::{AppliedRow, STATUS_BASELINE, STATUS_RUNNING};
use crate::{Checksum, MigrateError, Migration, Migrator};
use std::collections::HashMap;

impl Migrator<'_> {
    /// Validates the recorded history against the embedded set and lists what to apply.
    ///
    /// `live_running`: whether a `running` row may belong to a process that is still applying
    /// it (PostgreSQL's transaction lock mode, where the plan is made without the lock). Then
    /// the migration counts as pending, and applying it waits for that process.
    pub(crate) fn plan(
        &self,
        applied: &[AppliedRow],
        live_running: bool,
    ) -> Result<Plan, MigrateError> {
        let embedded: HashMap<i64, &'static Migration> =
            self.migrations.applying().map(|m| (m.version, m)).collect();
        // A failed or interrupted migration first: nothing else is safe until it is resolved.
        // Under the lock, a `running` row belongs to a process that died.
        if let Some(row) = applied
            .iter()
            .find(|r| r.needs_repair() && !(r.status == STATUS_RUNNING && live_running))
        {
            return Err(dirty(row, embedded.get(&row.version).copied()));
        }
        let applied: Vec<&AppliedRow> = applied
            .iter()
            .filter(|r| r.status != STATUS_RUNNING)
            .collect();
        let mut count = 0;
        let mut fingerprint = Checksum([0; 32]);
        for row in &applied {
            match embedded.get(&row.version) {
                None if self.ignore_missing => continue,
                None => {
                    return Err(MigrateError::MissingMigration {
                        module: self.module.clone(),
                        version: row.version,
                        description: row.description.clone(),
                    })
                }
                Some(m) if m.checksum != row.checksum && row.status != STATUS_BASELINE => {
                    let loose = m.loose_checksum;
                    return Err(MigrateError::ChecksumMismatch {
                        version: row.version,
                        file: m.path.to_owned(),
                        applied: row.checksum,
                        embedded: m.checksum,
                        whitespace_only: row.loose_checksum == Some(loose),
                    });
                }
                Some(m) => {
                    count += 1;
                    fingerprint =
                        fingerprint.xor(&Checksum::fingerprint_part(m.version, &m.checksum));
                }
            }
        }
        let position: HashMap<i64, usize> = self
            .migrations
            .applying()
            .enumerate()
            .map(|(i, m)| (m.version, i))
            .collect();
        let newest_applied = applied
            .iter()
            .filter_map(|r| position.get(&r.version).map(|p| (*p, r.version)))
            .max();
        let done: std::collections::HashSet<i64> = applied.iter().map(|r| r.version).collect();
        let target_position = match self.target {
            None => None,
            Some(version) => Some(
                *position
                    .get(&version)
                    .ok_or_else(|| self.unknown(version))?,
            ),
        };
        let mut pending = Vec::new();
        for (i, m) in self.migrations.applying().enumerate() {
            if done.contains(&m.version) || target_position.is_some_and(|t| i > t) {
                continue;
            }
            if let Some((newest_position, newest_version)) = newest_applied {
                if i < newest_position && !self.allow_out_of_order {
                    return Err(MigrateError::OutOfOrder {
                        version: m.version,
                        file: m.path.to_owned(),
                        newest_applied: newest_version,
                    });
                }
            }
            pending.push(m);
        }
        Ok(Plan {
            applied_count: count,
            fingerprint,
            pending,
        })
    }

    pub(crate) fn unknown(&self, version: i64) -> MigrateError {
        let mut versions = self.migrations.applying().map(|m| m.version);
        let first = versions.next().unwrap_or(0);
        MigrateError::UnknownVersion {
            version,
            first,
            last: versions.last().unwrap_or(first),
        }
    }
}

pub(crate) struct Plan {
    pub(crate) applied_count: i64,
    pub(crate) fingerprint: Checksum,
    pub(crate) pending: Vec<&'static Migration>,
}

pub(crate) fn dirty(row: &AppliedRow, m: Option<&'static Migration>) -> MigrateError {
    let progress = row.progress().to_string();
    MigrateError::Dirty {
        version: row.version,
        file: m.map_or_else(|| row.description.clone(), |m| m.path.to_owned()),
        status: row.status.clone(),
        progress,
        // A `running` row's note is said by the progress already.
        error: row
            .error
            .clone()
            .filter(|_| row.status != STATUS_RUNNING)
            .unwrap_or_else(|| "the process applying it stopped before it finished".to_owned()),
    }
}
