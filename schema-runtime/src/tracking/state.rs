//! The tracking values the engine reasons with, typed: a migration row's [`Status`], a
//! module's [`Fingerprint`] and its [`ModuleState`]. Every store reads and writes them through
//! these types only, so their text forms (the values in the tracking tables) are written once.

use crate::{Checksum, Migration};
use std::fmt;

/// What a row of the migrations table says of its migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// Applied by a run (or imported from another tool).
    Applied,
    /// Marked applied without running (`baseline`): its checksum is not compared.
    Baseline,
    /// Failed part-way (a `-- no-transaction` file), or left open by its own transaction.
    Failed,
    /// Claimed by a run that has not recorded its end: still running, or its process died.
    Running,
    /// A value this crate never writes (a row edited by hand): not trusted as applied.
    Other(String),
}

impl Status {
    /// The status as the tracking table holds it.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Status::Applied => "applied",
            Status::Baseline => "baseline",
            Status::Failed => "failed",
            Status::Running => "running",
            Status::Other(other) => other,
        }
    }

    /// The status a table value stands for.
    pub(crate) fn parse(value: &str) -> Status {
        match value {
            "applied" => Status::Applied,
            "baseline" => Status::Baseline,
            "failed" => Status::Failed,
            "running" => Status::Running,
            other => Status::Other(other.to_owned()),
        }
    }

    /// Whether the row counts as applied: anything else needs a person (or a resume).
    pub(crate) fn is_applied(&self) -> bool {
        matches!(self, Status::Applied | Status::Baseline)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The XOR of one hash per applied `(version, checksum)` (see [`Checksum::fingerprint`]):
/// order does not matter, and adding or removing a migration is one more XOR, so the module
/// row is kept up to date in the same transaction as each apply or revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(Checksum);

impl Fingerprint {
    /// The fingerprint of no migration.
    pub(crate) const EMPTY: Fingerprint = Fingerprint(Checksum([0; 32]));

    /// With `m` added, or removed if it was in: one XOR either way.
    pub(crate) fn toggle(self, m: &Migration) -> Fingerprint {
        self.toggle_version(m.version, &m.checksum)
    }

    /// [`toggle`](Self::toggle) for a recorded `(version, checksum)`.
    pub(crate) fn toggle_version(self, version: i64, checksum: &Checksum) -> Fingerprint {
        Fingerprint(self.0.xor(&Checksum::fingerprint_part(version, checksum)))
    }

    /// As the module row stores it: 64 lowercase hex characters.
    pub(crate) fn to_hex(self) -> String {
        self.0.to_hex()
    }
}

impl From<Checksum> for Fingerprint {
    fn from(checksum: Checksum) -> Self {
        Fingerprint(checksum)
    }
}

/// The module row: how many migrations are applied and their fingerprint, which the first
/// query of a boot compares with the embedded set. Or dirty: a migration failed part-way, or
/// the row could not be read; no set matches a dirty row, so the next run validates the whole
/// history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModuleState {
    /// `applied_count` migrations are applied, with this fingerprint.
    Clean {
        applied_count: i64,
        fingerprint: Fingerprint,
    },
    /// Matches no set.
    Dirty,
}

/// How a dirty state is stored: a count no set has and a fingerprint no set has. Databases
/// written by earlier versions hold exactly these values.
const DIRTY_COUNT: i64 = -1;
const DIRTY_FINGERPRINT: &str = "";

impl ModuleState {
    /// The state of no migration applied.
    pub(crate) const EMPTY: ModuleState = ModuleState::Clean {
        applied_count: 0,
        fingerprint: Fingerprint::EMPTY,
    };

    /// The state once `m` is applied on top of this one (`Dirty` stays dirty).
    pub(crate) fn with(self, m: &Migration) -> ModuleState {
        self.with_recorded(m.version, &m.checksum)
    }

    /// [`with`](Self::with) for a recorded `(version, checksum)`.
    pub(crate) fn with_recorded(self, version: i64, checksum: &Checksum) -> ModuleState {
        match self {
            ModuleState::Clean {
                applied_count,
                fingerprint,
            } => ModuleState::Clean {
                applied_count: applied_count + 1,
                fingerprint: fingerprint.toggle_version(version, checksum),
            },
            ModuleState::Dirty => ModuleState::Dirty,
        }
    }

    /// The state once `m` (applied) is reverted from this one.
    pub(crate) fn without(self, m: &Migration) -> ModuleState {
        match self {
            ModuleState::Clean {
                applied_count,
                fingerprint,
            } => ModuleState::Clean {
                applied_count: applied_count - 1,
                fingerprint: fingerprint.toggle(m),
            },
            ModuleState::Dirty => ModuleState::Dirty,
        }
    }

    /// The stored columns `(applied_count, fingerprint)`.
    pub(crate) fn columns(self) -> (i64, String) {
        match self {
            ModuleState::Clean {
                applied_count,
                fingerprint,
            } => (applied_count, fingerprint.to_hex()),
            ModuleState::Dirty => (DIRTY_COUNT, DIRTY_FINGERPRINT.to_owned()),
        }
    }

    /// The state the stored columns say; values that do not decode (a row edited by hand, the
    /// stored dirty values) are dirty.
    pub(crate) fn from_columns(applied_count: Option<i64>, fingerprint: Option<&str>) -> Self {
        match (applied_count, fingerprint.and_then(Checksum::from_hex)) {
            (Some(applied_count), Some(fingerprint)) if applied_count >= 0 => ModuleState::Clean {
                applied_count,
                fingerprint: Fingerprint(fingerprint),
            },
            _ => ModuleState::Dirty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_not_applied() {
        for status in [
            Status::Applied,
            Status::Baseline,
            Status::Failed,
            Status::Running,
        ] {
            assert_eq!(Status::parse(status.as_str()), status);
        }
        let edited = Status::parse("done");
        assert_eq!(edited, Status::Other("done".to_owned()));
        assert!(!edited.is_applied());
        assert!(Status::Baseline.is_applied());
    }

    #[test]
    fn the_dirty_state_is_stored_as_earlier_versions_stored_it() {
        assert_eq!(ModuleState::Dirty.columns(), (-1, String::new()));
        assert_eq!(
            ModuleState::from_columns(Some(-1), Some("")),
            ModuleState::Dirty
        );
        assert_eq!(
            ModuleState::from_columns(Some(3), Some("not hex")),
            ModuleState::Dirty
        );
        let (count, hex) = ModuleState::EMPTY.columns();
        assert_eq!(
            ModuleState::from_columns(Some(count), Some(&hex)),
            ModuleState::EMPTY
        );
    }
}
