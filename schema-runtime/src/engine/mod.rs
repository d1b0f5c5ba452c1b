//! The engine: every decision of a run, a revert, a resume, a repair, a baseline or an import
//! (what to refuse, what to run, and which tracking records to write), made once for every
//! database, on one validation of the recorded history ([`plan`]). The records are data
//! ([`crate::tracking::records::Write`]) that a store renders in its database's spelling and
//! runs; a store (`crate::backend`) decides nothing. The run itself and its options are
//! [`crate::Migrator`]'s (`migrator.rs`).

pub(crate) mod adopt;
pub(crate) mod inspect;
pub(crate) mod modules;
pub(crate) mod other_tools;
pub(crate) mod plan;
pub(crate) mod resolve;
pub(crate) mod revert;

use crate::backend::Backend;
use crate::MigrateError;
use std::time::Duration;

/// Runs `work` holding the migration lock of `b` (waiting at most `wait` for it), and releases
/// the lock on every path. An error releasing it matters less than the work's own.
pub(crate) async fn locked<B: Backend, T>(
    b: &mut B,
    wait: Duration,
    work: impl AsyncFnOnce(&mut B) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    b.lock(wait).await?;
    let result = work(b).await;
    let released = b.unlock().await;
    let value = result?;
    released?;
    Ok(value)
}
