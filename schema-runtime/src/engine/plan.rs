//! The plan of a run: the recorded history checked against the embedded set, and what is
//! left to apply.

use crate::backend::{AppliedRow, Step};
use crate::tracking::state::{ModuleState, Status};
use crate::{MigrateError, Migration, Migrator};
use std::collections::HashMap;

impl Migrator<'_> {
    /// Checks the recorded history against the embedded set: no row that needs a person (a
    /// failed or interrupted migration: nothing else is safe until it is resolved), no applied
    /// migration this set lacks (unless `ignore_missing`), no applied file edited since. The
    /// one validation that runs, reverts, baselines and imports share.
    pub(crate) fn validate<'r>(
        &self,
        applied: &'r [AppliedRow],
        live_running: bool,
    ) -> Result<Validated<'r>, MigrateError> {
        let embedded: HashMap<i64, &'static Migration> =
            self.migrations.applying().map(|m| (m.version, m)).collect();
        // Under the lock, a `running` row belongs to a process that died.
        if let Some(row) = applied
            .iter()
            .find(|r| r.needs_repair() && !(r.status == Status::Running && live_running))
        {
            return Err(dirty(row, embedded.get(&row.version).copied()));
        }
        let recorded: Vec<&AppliedRow> = applied
            .iter()
            .filter(|r| r.status != Status::Running)
            .collect();
        let mut rows = Vec::with_capacity(recorded.len());
        let mut state = ModuleState::EMPTY;
        for row in &recorded {
            match embedded.get(&row.version) {
                // A repeatable migration whose file was removed or renamed: its row stays (and
                // `status` shows it missing), and nothing depends on it.
                None if schema_core::is_repeatable_key(row.version) => continue,
                None if self.ignore_missing => continue,
                None => {
                    return Err(MigrateError::MissingMigration {
                        module: self.module.clone(),
                        version: row.version,
                        description: row.description.clone(),
                    })
                }
                // A repeatable migration that changed is applied again, not refused.
                Some(m) if m.is_repeatable() && !m.matches_recorded(&row.checksum) => continue,
                // A row an earlier version recorded with the whole file's checksum (`-- schema:`
                // lines included, or a goose or dbmate file run whole) is the file as it is: it
                // stays as written (a replica or a rollback on that version still reads it), and
                // the module row takes this set's fingerprint, so that the next boot stops at its
                // first query again.
                Some(m) if !m.matches_recorded(&row.checksum) && row.status != Status::Baseline => {
                    return Err(MigrateError::ChecksumMismatch {
                        version: row.version,
                        file: m.path.to_owned(),
                        applied: row.checksum,
                        embedded: m.checksum,
                        whitespace_only: m.differs_in_white_space_only(row.loose_checksum),
                    });
                }
                Some(m) => {
                    state = state.with(m);
                    rows.push((*row, *m));
                }
            }
        }
        Ok(Validated {
            rows,
            recorded,
            state,
        })
    }

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
        let Validated {
            rows,
            recorded,
            state,
        } = self.validate(applied, live_running)?;
        let count = rows.len();
        let position = self.positions();
        let newest_applied = rows
            .iter()
            .filter_map(|(r, _)| position.get(&r.version).map(|p| (*p, r.version)))
            .max();
        let done: std::collections::HashSet<i64> = recorded.iter().map(|r| r.version).collect();
        let target_position = match self.target {
            None => None,
            Some(version) => Some(
                *position
                    .get(&version)
                    .ok_or_else(|| self.unknown(version))?,
            ),
        };
        let mut pending = Vec::new();
        for (i, m) in self.migrations.versioned().enumerate() {
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
        // The repeatable migrations go after every versioned one (they define views and
        // functions over the tables those make), so only a run that goes to the last one
        // applies them: each that is new, or changed since it was last applied.
        let reaches_the_end = target_position.is_none_or(|t| t + 1 >= position.len());
        if reaches_the_end {
            let current: std::collections::HashSet<i64> =
                rows.iter().map(|(r, _)| r.version).collect();
            pending.extend(
                self.migrations
                    .repeatable()
                    .filter(|m| !current.contains(&m.version)),
            );
        }
        Ok(Plan {
            applied: count,
            state,
            pending,
        })
    }

    /// Each embedded versioned migration's place in apply order, by version.
    pub(crate) fn positions(&self) -> HashMap<i64, usize> {
        self.migrations
            .versioned()
            .enumerate()
            .map(|(i, m)| (m.version, i))
            .collect()
    }

    pub(crate) fn unknown(&self, version: i64) -> MigrateError {
        let mut versions = self.migrations.versioned().map(|m| m.version);
        let first = versions.next().unwrap_or(0);
        MigrateError::UnknownVersion {
            version,
            first,
            last: versions.last().unwrap_or(first),
        }
    }
}

/// A recorded history that [`Migrator::validate`] accepted.
pub(crate) struct Validated<'r> {
    /// The applied rows of embedded migrations, with their files, by version.
    pub(crate) rows: Vec<(&'r AppliedRow, &'static Migration)>,
    /// Every row that is not `running`, embedded or not.
    pub(crate) recorded: Vec<&'r AppliedRow>,
    /// The module state of `rows`.
    pub(crate) state: ModuleState,
}

/// A validated history and what is left to apply.
pub(crate) struct Plan {
    /// How many applied migrations are embedded (the state counts them).
    pub(crate) applied: usize,
    /// The module state of the applied migrations.
    pub(crate) state: ModuleState,
    /// What to apply, in order.
    pub(crate) pending: Vec<&'static Migration>,
}

impl Plan {
    /// The steps that apply what is pending, each with the module state after it; the last
    /// one records it.
    pub(crate) fn steps(&self) -> Vec<Step> {
        let mut state = self.state;
        let last = self.pending.len();
        self.pending
            .iter()
            .enumerate()
            .map(|(i, m)| {
                state = state.with(m);
                Step::apply(m, (i + 1 == last).then_some(state))
            })
            .collect()
    }
}

pub(crate) fn dirty(row: &AppliedRow, m: Option<&'static Migration>) -> MigrateError {
    let progress = row.progress().to_string();
    MigrateError::Dirty {
        version: row.version,
        file: m.map_or_else(|| row.description.clone(), |m| m.path.to_owned()),
        status: row.status.to_string(),
        progress,
        // A `running` row's note is said by the progress already.
        error: row
            .error
            .clone()
            .filter(|_| row.status != Status::Running)
            .unwrap_or_else(|| "the process applying it stopped before it finished".to_owned()),
    }
}
