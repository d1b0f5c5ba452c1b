//! Reverting applied migrations with their down files.

use crate::backend::{AppliedRow, Backend, Step};
use crate::engine::locked;
use crate::migrator::{applied_migration, with_backend, DbPool};
use crate::{MigrateError, Migration, Migrator, Report};
use futures_util::future::BoxFuture;
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

    /// The body of both, boxed: compiled once in this crate rather than in every caller.
    fn revert<'a>(
        &'a self,
        pool: DbPool<'a>,
        selection: Selection,
    ) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move {
            let ctx = self.context()?;
            with_backend!(self, pool, ctx, |b| self.revert_in(&mut b, selection).await)
        })
    }

    /// Under the lock: a function of its own so that the boxed future above can be `Send`.
    async fn revert_in<B: Backend>(
        &self,
        b: &mut B,
        selection: Selection,
    ) -> Result<Report, MigrateError> {
        let started = Instant::now();
        locked(b, self.lock_timeout, async |b| {
            self.revert_locked(b, selection, started).await
        })
        .await
    }

    /// Reverts every applied migration of the module, newest first, with the lock held: what
    /// removing a plugin reverts. Refused before anything is reverted when one has no down
    /// ([`MigrateError::RevertForwardOnly`]).
    pub(crate) async fn revert_all_locked<B: Backend>(
        &self,
        b: &mut B,
        started: Instant,
    ) -> Result<Report, MigrateError> {
        self.revert_locked(b, Selection::Last(usize::MAX), started)
            .await
    }

    async fn revert_locked<B: Backend>(
        &self,
        b: &mut B,
        selection: Selection,
        started: Instant,
    ) -> Result<Report, MigrateError> {
        b.ensure_tables().await?;
        let applied = b.applied().await?;
        // Validated as a run validates: nothing is reverted over a failed migration, an
        // edited file or (unless allowed) a migration this binary lacks.
        let validated = self.validate(&applied, false)?;
        let position = self.positions();
        // Newest first, by apply order.
        let mut embedded: Vec<(usize, &'static Migration)> = validated
            .rows
            .iter()
            .filter_map(|(_, m)| position.get(&m.version).map(|i| (*i, *m)))
            .collect();
        crate::order::sort_by_key(&mut embedded, |(i, _)| std::cmp::Reverse(*i));
        let chosen: Vec<&'static Migration> = match selection {
            Selection::Last(count) => embedded.iter().take(count).map(|(_, m)| *m).collect(),
            Selection::After(version) => {
                let after = match position.get(&version) {
                    Some(i) => Some(*i),
                    None if self.migrations.versioned().all(|m| m.version > version) => None,
                    None => return Err(self.unknown(version)),
                };
                // An applied migration this binary does not know (allowed by
                // `ignore_missing`) cannot be reverted past.
                if let Some(row) = validated
                    .recorded
                    .iter()
                    .find(|r| !position.contains_key(&r.version) && r.version > version)
                {
                    return Err(MigrateError::MissingMigration {
                        module: self.module.clone(),
                        version: row.version,
                        description: row.description.clone(),
                    });
                }
                embedded
                    .iter()
                    .filter(|(i, _)| after.is_none_or(|a| *i > a))
                    .map(|(_, m)| *m)
                    .collect()
            }
        };
        // Every down is found before anything is reverted.
        let mut steps = Vec::with_capacity(chosen.len());
        let mut state = validated.state;
        for up in chosen {
            let down = self.migrations.down_of(up.version).ok_or_else(|| {
                MigrateError::RevertForwardOnly {
                    version: up.version,
                    file: up.path.to_owned(),
                }
            })?;
            state = state.without(up);
            steps.push(Step {
                migration: down,
                reverts: Some(up),
                module_after: Some(state),
            });
        }
        // A repeatable migration has no down: a revert leaves it recorded, as its objects stay.
        // When no versioned migration is left applied, the report says which remain.
        let versioned_left = validated
            .recorded
            .iter()
            .filter(|r| !schema_core::is_repeatable_key(r.version))
            .count()
            .saturating_sub(steps.len());
        let kept_repeatable = if versioned_left == 0 {
            let mut kept: Vec<&AppliedRow> = validated
                .recorded
                .iter()
                .copied()
                .filter(|r| schema_core::is_repeatable_key(r.version))
                .collect();
            crate::order::sort_by_key(&mut kept, |r| r.version);
            kept.into_iter().map(|r| r.description.clone()).collect()
        } else {
            Vec::new()
        };
        let mut report = Report {
            module: self.module.clone(),
            already_applied: embedded.len(),
            kept_repeatable,
            ..Report::default()
        };
        for step in &steps {
            let (up, down) = (step.reverts.unwrap_or(step.migration), step.migration);
            match b.revert(step).await {
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
                    let error = self
                        .fail(b, e, std::slice::from_ref(step), outcome, outside)
                        .await;
                    return Err(error.after(&report.reverted));
                }
            }
        }
        if !report.kept_repeatable.is_empty() {
            info!(
                kept = ?report.kept_repeatable,
                "no versioned migration is left applied; the repeatable migrations stay applied, as they have no down"
            );
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }
}
