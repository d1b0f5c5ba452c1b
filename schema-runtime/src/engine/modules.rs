//! The registry's operations, for every database: boot (every core module, then every active
//! plugin), activate, deactivate and remove a plugin, and what is known of each module. Each
//! module's work runs under that module's lock, as its own run does, and writes its role and
//! state ([`Write::Mark`]) in the same locked section, so that concurrent boots and
//! activations apply each migration once.

use crate::backend::{Backend, ModuleRow};
use crate::engine::locked;
use crate::migrator::{with_backend, DbPool};
use crate::modules::{ModuleInfo, ModuleRole, Modules, Registered, StoredModule};
use crate::report::{MigrationState, StatusEntry};
use crate::tracking::records::Write;
use crate::{MigrateError, Migrator, Report};
use futures_util::future::BoxFuture;
use std::time::Instant;
use tracing::{info, info_span, Instrument};

impl Modules {
    /// Applies every core module, by priority then name, then brings every active plugin up
    /// to date, by name; returns each module's report in that order (the history shows the
    /// same order). An inactive plugin is left as it is. A boot with nothing to do reads the
    /// modules' rows, then one row per module, and locks nothing.
    ///
    /// Stops at the first module that fails: the modules before it stand, each fully applied.
    pub async fn boot<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<(&'static str, Report)>, MigrateError> {
        self.boot_on(pool.into()).await
    }

    /// The body of [`Self::boot`], compiled once in this crate rather than in every caller.
    fn boot_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<(&'static str, Report)>, MigrateError>> {
        Box::pin(async move {
            let rows = self.rows(pool).await?;
            let mut reports = Vec::new();
            for set in &self.sets {
                let row = rows.iter().find(|r| r.module == set.name());
                let migrator = self.migrator(set);
                // A row without the set's prefix (recorded before rows had one) is marked
                // again, once, so that tools without the set learn it.
                let prefixed = row.is_some_and(|r| {
                    // An empty prefix is recorded as none (`ModuleRow::prefix`).
                    set.migrations
                        .prefix()
                        .filter(|p| !p.is_empty())
                        .is_none_or(|p| r.prefix.as_deref() == Some(p))
                });
                let report = match set.role {
                    ModuleRole::Core => {
                        let marked = row.is_some_and(|r| {
                            r.role == Some(ModuleRole::Core) && r.active == Some(true)
                        });
                        if marked && prefixed {
                            migrator.run(pool).await?
                        } else {
                            marking(&migrator, pool, ModuleRole::Core).await?
                        }
                    }
                    ModuleRole::Plugin if row.is_some_and(|r| r.active == Some(true)) => {
                        if prefixed {
                            migrator.run(pool).await?
                        } else {
                            marking(&migrator, pool, ModuleRole::Plugin).await?
                        }
                    }
                    ModuleRole::Plugin => continue,
                };
                reports.push((set.name(), report));
            }
            Ok(reports)
        })
    }

    /// Marks the plugin `name` active, in the database, and applies its set, under its lock:
    /// every later [`boot`](Self::boot) brings it up to date. Refused for a core module and an
    /// unknown name. When applying fails the plugin is not marked active, and what the run
    /// applied before the failure stands (see [`MigrateError::applied_before`]).
    pub async fn activate<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        name: &str,
    ) -> Result<Report, MigrateError> {
        self.activate_on(pool.into(), name).await
    }

    /// The body of [`Self::activate`], compiled once in this crate rather than in every caller.
    fn activate_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move {
            let set = self.plugin(name, "activated")?;
            marking(&self.migrator(set), pool, ModuleRole::Plugin).await
        })
    }

    /// Marks the plugin `name` inactive: boot no longer applies it; its tables and data stay.
    /// Refused for a core module and an unknown name.
    pub async fn deactivate<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        name: &str,
    ) -> Result<(), MigrateError> {
        self.deactivate_on(pool.into(), name).await
    }

    /// The body of [`Self::deactivate`], compiled once in this crate rather than in every caller.
    fn deactivate_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), MigrateError>> {
        Box::pin(async move {
            let set = self.plugin(name, "deactivated")?;
            let migrator = self.migrator(set);
            let ctx = migrator.context()?;
            let span = info_span!("deactivate", module = name);
            with_backend!(migrator, pool, ctx, |b| deactivate_with(&migrator, &mut b)
                .instrument(span)
                .await)
        })
    }

    /// Reverts every applied migration of the plugin `name`, newest first, with its down
    /// files, and marks it inactive: its tables and data are gone. Refused before anything is
    /// reverted when an applied migration has no down file
    /// ([`MigrateError::ModuleNotRemovable`], naming the file), for a core module and for an
    /// unknown name. A down that fails leaves what was reverted before it reverted, and the
    /// plugin inactive.
    pub async fn remove<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        name: &str,
    ) -> Result<Report, MigrateError> {
        self.remove_on(pool.into(), name).await
    }

    /// The body of [`Self::remove`], compiled once in this crate rather than in every caller.
    fn remove_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Report, MigrateError>> {
        Box::pin(async move {
            let set = self.plugin(name, "removed")?;
            let migrator = self.migrator(set);
            let ctx = migrator.context()?;
            let span = info_span!("remove", module = name);
            with_backend!(migrator, pool, ctx, |b| remove_with(&migrator, &mut b)
                .instrument(span)
                .await)
        })
    }

    /// Where the module `name` stands: its role, whether boot applies it, its version, how
    /// many of its migrations are applied and pending, and when it last applied one. Reads
    /// only.
    pub async fn info<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        name: &str,
    ) -> Result<ModuleInfo, MigrateError> {
        self.info_on(pool.into(), name).await
    }

    /// The body of [`Self::info`], compiled once in this crate rather than in every caller.
    fn info_on<'a>(
        &'a self,
        pool: DbPool<'a>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<ModuleInfo, MigrateError>> {
        Box::pin(async move {
            let set = self.find(name)?;
            let rows = self.rows(pool).await?;
            self.info_of(pool, set, &rows).await
        })
    }

    /// [`info`](Self::info) of every module, in order.
    pub async fn info_all<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<ModuleInfo>, MigrateError> {
        self.info_all_on(pool.into()).await
    }

    /// The body of [`Self::info_all`], compiled once in this crate rather than in every caller.
    fn info_all_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<ModuleInfo>, MigrateError>> {
        Box::pin(async move {
            let rows = self.rows(pool).await?;
            let mut all = Vec::with_capacity(self.sets.len());
            for set in &self.sets {
                all.push(self.info_of(pool, set, &rows).await?);
            }
            Ok(all)
        })
    }

    /// Every module the database records, this registry's or not (a set run on its own, a
    /// plugin of another build), by name, as recorded: for tools that list a database's
    /// modules without their sets. Reads only.
    pub async fn stored<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<StoredModule>, MigrateError> {
        self.stored_on(pool.into()).await
    }

    /// The body of [`Self::stored`], compiled once in this crate rather than in every caller.
    fn stored_on<'a>(
        &'a self,
        pool: DbPool<'a>,
    ) -> BoxFuture<'a, Result<Vec<StoredModule>, MigrateError>> {
        Box::pin(async move {
            let rows = self.rows(pool).await?;
            let mut all = Vec::with_capacity(rows.len());
            for row in rows {
                let entries = self
                    .options(crate::__private::EMPTY.migrator().module(&row.module))
                    .status(pool)
                    .await?;
                let summary = Summary::of(&entries);
                all.push(StoredModule {
                    name: row.module,
                    role: row.role,
                    active: row.active,
                    prefix: row.prefix,
                    version: summary.version,
                    applied: summary.recorded,
                    last_applied: summary.last_applied,
                });
            }
            Ok(all)
        })
    }

    async fn info_of(
        &self,
        pool: DbPool<'_>,
        set: &Registered,
        rows: &[ModuleRow],
    ) -> Result<ModuleInfo, MigrateError> {
        let entries = self.migrator(set).status(pool).await?;
        let summary = Summary::of(&entries);
        let row = rows.iter().find(|r| r.module == set.name());
        Ok(ModuleInfo {
            name: set.name().to_owned(),
            role: set.role,
            active: match set.role {
                ModuleRole::Core => true,
                ModuleRole::Plugin => row.is_some_and(|r| r.active == Some(true)),
            },
            version: summary.version,
            pending: summary.pending,
            applied: summary.applied,
            last_applied: summary.last_applied,
        })
    }

    /// Every row of the modules table, read once.
    async fn rows(&self, pool: DbPool<'_>) -> Result<Vec<ModuleRow>, MigrateError> {
        let migrator = self.options(crate::__private::EMPTY.migrator());
        let ctx = migrator.context()?;
        with_backend!(migrator, pool, ctx, |b| b.modules().await)
    }

    /// The registered plugin `name`, or why it cannot be `action`.
    fn plugin(&self, name: &str, action: &'static str) -> Result<&Registered, MigrateError> {
        let set = self.find(name)?;
        if set.role == ModuleRole::Core {
            return Err(MigrateError::CoreModule {
                module: name.to_owned(),
                action,
            });
        }
        Ok(set)
    }

    /// The migrator of `set` with this registry's options. Its comparisons and dumps of the
    /// live schema leave out the objects of the other modules' table prefixes, and the schema
    /// its migrations make is read with the core modules that come before it applied first
    /// (a plugin's foreign key to a core table).
    pub fn migrator<'m>(&'m self, set: &'m Registered) -> Migrator<'m> {
        let mut migrator = self.options(set.migrations.migrator());
        migrator.other_prefixes = self
            .sets
            .iter()
            .filter(|other| other.name() != set.name())
            .filter_map(|other| other.migrations.prefix())
            .collect();
        migrator.builds_on = self
            .sets
            .iter()
            .take_while(|other| other.name() != set.name())
            .filter(|other| other.role == ModuleRole::Core)
            .map(|other| &other.migrations)
            .collect();
        migrator
    }

    fn options<'m>(&self, migrator: Migrator<'m>) -> Migrator<'m> {
        let migrator = migrator
            .table_names(self.tables.clone())
            .lock_timeout(self.lock_timeout);
        match &self.applied_by {
            Some(who) => migrator.applied_by(who.clone()),
            None => migrator,
        }
    }
}

/// What an active module records: its role, and that boot applies it.
fn active(role: ModuleRole) -> Write {
    Write::Mark { role, active: true }
}

/// What a deactivated or removed plugin records.
fn inactive() -> Write {
    Write::Mark {
        role: ModuleRole::Plugin,
        active: false,
    }
}

/// Applies the set of `migrator` and records it active as `role`, under the module's lock.
async fn marking(
    migrator: &Migrator<'_>,
    pool: DbPool<'_>,
    role: ModuleRole,
) -> Result<Report, MigrateError> {
    let ctx = migrator.context()?;
    let span = info_span!("migrate", module = %migrator.module_name());
    with_backend!(migrator, pool, ctx, |b| marking_with(
        migrator, &mut b, role
    )
    .instrument(span)
    .await)
}

// Generic over the store, as `Migrator::run_with` is: an async closure over a concrete store
// type would make the caller's future lose `Send` (the closure is not general enough over the
// store's lifetime), and an application spawns its boot.
async fn marking_with<B: Backend>(
    migrator: &Migrator<'_>,
    b: &mut B,
    role: ModuleRole,
) -> Result<Report, MigrateError> {
    let started = Instant::now();
    locked(b, migrator.lock_timeout, async |b| {
        let report = migrator.run_locked(b, started).await?;
        b.ensure_tables().await?;
        b.write(&[active(role)]).await?;
        Ok(report)
    })
    .await
}

async fn deactivate_with<B: Backend>(
    migrator: &Migrator<'_>,
    b: &mut B,
) -> Result<(), MigrateError> {
    locked(b, migrator.lock_timeout, async |b| {
        b.ensure_tables().await?;
        b.write(&[inactive()]).await
    })
    .await
}

async fn remove_with<B: Backend>(
    migrator: &Migrator<'_>,
    b: &mut B,
) -> Result<Report, MigrateError> {
    let started = Instant::now();
    let module = migrator.module_name();
    locked(b, migrator.lock_timeout, async |b| {
        match migrator.revert_all_locked(b, started).await {
            Ok(report) => {
                b.ensure_tables().await?;
                b.write(&[inactive()]).await?;
                info!(reverted = report.reverted.len(), "removed");
                Ok(report)
            }
            Err(MigrateError::RevertForwardOnly { version, file }) => {
                Err(MigrateError::ModuleNotRemovable {
                    module: module.to_owned(),
                    version,
                    file,
                })
            }
            // Part of the set is reverted: boot must not apply it again.
            Err(e) if !e.applied_before().is_empty() => {
                if let Err(mark) = b.write(&[inactive()]).await {
                    tracing::warn!(error = %mark, "could not mark the module inactive");
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// A module's migrations in numbers, from its status.
struct Summary {
    /// The highest applied version (repeatable migrations have no version to show).
    version: Option<i64>,
    /// Applied migrations of the set.
    applied: usize,
    /// Applied migrations recorded, whether the set has them or not.
    recorded: usize,
    pending: usize,
    last_applied: Option<String>,
}

impl Summary {
    fn of(entries: &[StatusEntry]) -> Summary {
        let is_applied = |e: &&StatusEntry| {
            matches!(
                e.state,
                MigrationState::Applied
                    | MigrationState::Baseline
                    | MigrationState::Modified
                    | MigrationState::Missing
            )
        };
        let applied: Vec<&StatusEntry> = entries.iter().filter(is_applied).collect();
        Summary {
            version: applied
                .iter()
                .filter(|e| !e.repeatable)
                .map(|e| e.version)
                .max(),
            applied: applied
                .iter()
                .filter(|e| e.state != MigrationState::Missing)
                .count(),
            recorded: applied.len(),
            pending: entries
                .iter()
                .filter(|e| e.state == MigrationState::Pending)
                .count(),
            // Every time is UTC text of one width, so the greatest text is the latest time.
            last_applied: applied.iter().filter_map(|e| e.applied_at.clone()).max(),
        }
    }
}
