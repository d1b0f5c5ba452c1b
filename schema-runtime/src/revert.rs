//! Reverting applied migrations with their down files.

use crate::backend::{AppliedRow, Backend, Step, STATUS_APPLIED, STATUS_BASELINE};
use crate::migrator::{applied_migration, with_backend, DbPool};
use crate::plan::dirty;
use crate::{Checksum, MigrateError, Migration, Migrator, Report};
use std::collections::HashMap;
use std::time::Instant;
use tracing::info;

/// Which applied migrations to revert.
#[derive(Debug, Clone, Copy)]
enum Selection {
    /// Every one applied after this version.
    After(i64),
    /// The newest this many.
    Last(usize),
}

impl Migrator<'_> {
    /// Reverts every applied migration that comes after `version`, newest first, each with its
    /// down file in a transaction together with its tracking change, recorded in the history.
    /// A version before the first embedded one (e.g. 0) reverts everything. Reverting past a
    /// forward-only migration is an error that names it, before anything is reverted.
    pub async fn revert_to<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        version: i64,
    ) -> Result<Report, MigrateError> {
        self.revert(pool.into(), Selection::After(version)).await
    }

    /// Reverts the newest `count` applied migrations, newest first; see [`Migrator::revert_to`].
    pub async fn revert_last<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        count: usize,
    ) -> Result<Report, MigrateError> {
        self.revert(pool.into(), Selection::Last(count)).await
    }

    async fn revert(&self, pool: DbPool<'_>, selection: Selection) -> Result<Report, MigrateError> {
        let ctx = self.context()?;
        with_backend!(self, pool, ctx, |b| {
            let started = Instant::now();
            b.lock(self.lock_timeout).await?;
            let result = self.revert_locked(&mut b, selection, started).await;
            let released = b.unlock().await;
            let report = result?;
            released?;
            Ok(report)
        })
    }

    async fn revert_locked<B: Backend>(
        &self,
        b: &mut B,
        selection: Selection,
        started: Instant,
    ) -> Result<Report, MigrateError> {
        b.ensure_tables().await?;
        let applied = b.applied().await?;
        if let Some(row) = applied.iter().find(|r| r.needs_repair()) {
            let m = self
                .migrations
                .applying()
                .find(|m| m.version == row.version);
            return Err(dirty(row, m));
        }
        let position: HashMap<i64, (usize, &'static Migration)> = self
            .migrations
            .applying()
            .enumerate()
            .map(|(i, m)| (m.version, (i, m)))
            .collect();
        let live: Vec<&AppliedRow> = applied
            .iter()
            .filter(|r| r.status == STATUS_APPLIED || r.status == STATUS_BASELINE)
            .collect();
        // Newest first, by apply order.
        let mut embedded: Vec<(usize, &AppliedRow, &'static Migration)> = live
            .iter()
            .filter_map(|r| position.get(&r.version).map(|(i, m)| (*i, *r, *m)))
            .collect();
        embedded.sort_by_key(|(i, _, _)| std::cmp::Reverse(*i));
        let chosen: Vec<(&AppliedRow, &'static Migration)> = match selection {
            Selection::Last(count) => embedded
                .iter()
                .take(count)
                .map(|(_, r, m)| (*r, *m))
                .collect(),
            Selection::After(version) => {
                let after = match position.get(&version) {
                    Some((i, _)) => Some(*i),
                    None if self.migrations.applying().all(|m| m.version > version) => None,
                    None => return Err(self.unknown(version)),
                };
                embedded
                    .iter()
                    .filter(|(i, _, _)| after.is_none_or(|a| *i > a))
                    .map(|(_, r, m)| (*r, *m))
                    .collect()
            }
        };
        // An applied migration this binary does not know cannot be reverted past.
        if let Selection::After(version) = selection {
            if let Some(row) = live
                .iter()
                .find(|r| !position.contains_key(&r.version) && r.version > version)
            {
                return Err(MigrateError::MissingMigration {
                    module: self.module.clone(),
                    version: row.version,
                    description: row.description.clone(),
                });
            }
        }
        // Check everything before reverting anything.
        let mut downs = Vec::with_capacity(chosen.len());
        for (row, up) in &chosen {
            if row.checksum != up.checksum && row.status != STATUS_BASELINE {
                return Err(MigrateError::ChecksumMismatch {
                    version: up.version,
                    file: up.path.to_owned(),
                    applied: row.checksum,
                    embedded: up.checksum,
                    whitespace_only: row.loose_checksum == Some(up.loose_checksum),
                });
            }
            let down = self.migrations.down_of(up.version).ok_or_else(|| {
                MigrateError::RevertForwardOnly {
                    version: up.version,
                    file: up.path.to_owned(),
                }
            })?;
            downs.push(down);
        }
        let mut count = embedded.len() as i64;
        let mut fingerprint = embedded.iter().fold(Checksum([0; 32]), |acc, (_, _, m)| {
            acc.xor(&Checksum::fingerprint_part(m.version, &m.checksum))
        });
        let mut report = Report {
            module: self.module.clone(),
            already_applied: embedded.len(),
            ..Report::default()
        };
        for ((_, up), down) in chosen.iter().zip(downs) {
            count -= 1;
            fingerprint = fingerprint.xor(&Checksum::fingerprint_part(up.version, &up.checksum));
            let step = Step {
                migration: down,
                applied_count_after: count,
                fingerprint_after: fingerprint,
                records_module: true,
            };
            match b.revert(up, down, &step).await {
                Ok(duration) => {
                    info!(
                        version = up.version,
                        file = down.path,
                        duration_ms = duration.as_millis() as u64,
                        "reverted"
                    );
                    report.reverted.push(applied_migration(up, duration));
                }
                Err(e) => {
                    // A `-- no-transaction` down that fails part-way leaves the migration
                    // neither applied nor reverted: recorded as failed, as a failed apply is.
                    let outside = down.no_transaction();
                    let outcome = if outside {
                        "the down ran outside a transaction, so the statements before the failing one stay reverted; the migration is recorded as failed"
                    } else {
                        "the revert was rolled back, the migration stays applied"
                    };
                    return Err(self
                        .fail(b, e, std::slice::from_ref(&step), outcome, outside)
                        .await);
                }
            }
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }
}
