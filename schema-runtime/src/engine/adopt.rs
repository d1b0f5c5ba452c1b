//! Adopting a database that something else migrated: baseline, and importing sqlx's table or a
//! legacy table of versions.

use crate::backend::{is_identifier_path, Backend};
use crate::engine::locked;
use crate::migrator::{with_backend, DbPool};
use crate::report::EventKind;
use crate::tracking::records::{Millis, Write};
use crate::tracking::state::Status;
use crate::{MigrateError, Migration, Migrator};
use sha2::{Digest, Sha384};
use std::collections::HashSet;

impl Migrator<'_> {
    /// Marks every embedded migration up to and including `version` as applied without running
    /// it (status `baseline`), for a database whose schema already has them; recorded in the
    /// history. Migrations already recorded are left as they are. Returns the versions marked.
    pub async fn baseline<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        version: i64,
    ) -> Result<Vec<i64>, MigrateError> {
        let ctx = self.context()?;
        let position = self
            .migrations
            .applying()
            .position(|m| m.version == version)
            .ok_or_else(|| self.unknown(version))?;
        let wanted: Vec<&'static Migration> =
            self.migrations.applying().take(position + 1).collect();
        with_backend!(self, pool.into(), ctx, |b| {
            self.record_locked(
                &mut b,
                wanted,
                Status::Baseline,
                EventKind::Baseline,
                "baseline: already in the database",
            )
            .await
        })
    }

    /// Adopts a database that sqlx migrated: reads `_sqlx_migrations`, checks each row against
    /// the embedded file (sqlx's SHA-384 of the file), and records them as applied here, with an
    /// `import` event each. Refuses, before recording anything, a row sqlx marked as failed, a
    /// file whose content differs from what sqlx applied, and (unless `ignore_missing()`) a
    /// version this binary does not embed. Returns the versions imported.
    pub async fn import_sqlx<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
    ) -> Result<Vec<i64>, MigrateError> {
        let ctx = self.context()?;
        with_backend!(self, pool.into(), ctx, |b| {
            let rows = b.sqlx_rows().await?.ok_or(MigrateError::NoSqlxTable)?;
            let mut wanted = Vec::with_capacity(rows.len());
            for row in rows {
                if !row.success {
                    return Err(MigrateError::SqlxFailed {
                        version: row.version,
                    });
                }
                let Some(m) = self
                    .migrations
                    .applying()
                    .find(|m| m.version == row.version)
                else {
                    if self.ignore_missing {
                        continue;
                    }
                    return Err(MigrateError::MissingMigration {
                        module: self.module.clone(),
                        version: row.version,
                        description: row.description,
                    });
                };
                // sqlx hashes the file as it read it (the whole file, whatever runs of it):
                // with a BOM, if the file has one.
                let plain = Sha384::digest(m.source.as_bytes());
                let with_bom = Sha384::digest(format!("\u{feff}{}", m.source).as_bytes());
                if row.checksum != plain.as_slice() && row.checksum != with_bom.as_slice() {
                    return Err(MigrateError::SqlxChecksumMismatch {
                        version: m.version,
                        file: m.path.to_owned(),
                    });
                }
                wanted.push(m);
            }
            self.record_locked(
                &mut b,
                wanted,
                Status::Applied,
                EventKind::Import,
                "imported from `_sqlx_migrations`",
            )
            .await
        })
    }

    /// Adopts a database whose versions another tool kept in a `table(version)` (e.g.
    /// `schema_version`): every embedded migration whose version is listed is recorded as
    /// applied, with an `import` event. There are no checksums to compare there. Returns the
    /// versions imported.
    pub async fn import_versions_table<'p>(
        &self,
        pool: impl Into<DbPool<'p>>,
        table: &str,
    ) -> Result<Vec<i64>, MigrateError> {
        let ctx = self.context()?;
        if !is_identifier_path(table) {
            return Err(MigrateError::InvalidLegacyTable {
                name: table.to_owned(),
            });
        }
        let detail = format!("imported from `{table}`");
        with_backend!(self, pool.into(), ctx, |b| {
            let values =
                b.legacy_versions(table)
                    .await?
                    .ok_or_else(|| MigrateError::NoLegacyTable {
                        table: table.to_owned(),
                    })?;
            let versions = whole_versions(table, values)?;
            let mut wanted = Vec::with_capacity(versions.len());
            for version in versions {
                match self.migrations.applying().find(|m| m.version == version) {
                    Some(m) => wanted.push(m),
                    None if self.ignore_missing => {}
                    None => {
                        return Err(MigrateError::MissingMigration {
                            module: self.module.clone(),
                            version,
                            description: format!("listed in `{table}`"),
                        })
                    }
                }
            }
            self.record_locked(&mut b, wanted, Status::Applied, EventKind::Import, &detail)
                .await
        })
    }

    /// Under the lock: records `wanted` (minus what is already recorded) without running it.
    async fn record_locked<B: Backend>(
        &self,
        b: &mut B,
        wanted: Vec<&'static Migration>,
        status: Status,
        event: EventKind,
        detail: &str,
    ) -> Result<Vec<i64>, MigrateError> {
        locked(b, self.lock_timeout, async |b| {
            b.ensure_tables().await?;
            let applied = b.applied().await?;
            // Validated like a run, so that adopting never hides a modified or failed migration.
            let plan = self.plan(&applied, b.running_may_be_live())?;
            let recorded: HashSet<i64> = applied.iter().map(|r| r.version).collect();
            let mut state = plan.state;
            let mut writes = Vec::new();
            let mut versions = Vec::new();
            for m in wanted
                .into_iter()
                .filter(|m| !recorded.contains(&m.version))
            {
                state = state.with(m);
                versions.push(m.version);
                writes.push(Write::Applied {
                    m,
                    status: status.clone(),
                    duration: Millis::Known(0),
                    statements: 0,
                    replace: false,
                });
                writes.push(Write::Event {
                    m,
                    kind: event,
                    duration_ms: None,
                    detail: Some(detail.to_owned()),
                });
            }
            if !writes.is_empty() {
                writes.push(Write::Module(state));
                b.write(&writes).await?;
            }
            Ok(versions)
        })
        .await
    }
}

/// The legacy table's versions as numbers, in order. A value that is not a whole number (a
/// NULL, another tool's `1.1` or repeatable migration) has no file here: refused, not rounded.
fn whole_versions(table: &str, values: Vec<Option<String>>) -> Result<Vec<i64>, MigrateError> {
    let mut versions = std::collections::BTreeSet::new();
    for value in values {
        let parsed = value.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        match parsed {
            Some(version) => versions.insert(version),
            None => {
                return Err(MigrateError::LegacyVersionNotWhole {
                    table: table.to_owned(),
                    value: value.map_or_else(|| "NULL".to_owned(), |v| format!("`{v}`")),
                })
            }
        };
    }
    Ok(versions.into_iter().collect())
}
