//! A run on a database another tool migrated: the module has nothing recorded, and sqlx's,
//! diesel's or refinery's table holds rows. The run adopts that history (checked, then recorded
//! with the tool's times) under its lock and applies only what is left; the other tools' tables
//! refuse it, as does any table when adopting is turned off.

use super::import::Import;
use super::judge::Adoption;
use super::{adopted, records};
use crate::backend::{AppliedRow, Backend};
use crate::engine::other_tools::other_history;
use crate::engine::plan::Plan;
use crate::report::Adopted;
use crate::{MigrateError, Migrator};

impl Migrator<'_> {
    /// The plan of a run over the `applied` rows, and, when the run adopts another tool's
    /// history, that history (checked, not recorded yet) with the plan over it. Refuses, before
    /// anything is recorded, a history it cannot adopt, and a first run beside another tool's
    /// history it does not adopt ([`MigrateError::OtherToolHistory`]).
    ///
    /// Looked for only when the module has no row, so a database this crate migrates pays
    /// nothing; and not when another module has rows (the database was adopted already).
    pub(crate) async fn plan_adopting<B: Backend>(
        &self,
        b: &mut B,
        applied: &[AppliedRow],
    ) -> Result<(Plan, Option<Adoption>), MigrateError> {
        let live = b.running_may_be_live();
        let plan = self.plan(applied, live)?;
        if self.ignore_other_tools || !applied.is_empty() || plan.pending.is_empty() {
            return Ok((plan, None));
        }
        let Some((tool, rows)) = other_history(b, &self.tables.migrations).await? else {
            return Ok((plan, None));
        };
        let refused = MigrateError::OtherToolHistory {
            module: self.module.clone(),
            tool,
            table: tool.default_table().to_owned(),
            rows,
        };
        if !self.adopt_other_tools || !tool.adopted_at_boot() {
            return Err(refused);
        }
        let import = Import::tool(tool);
        let Some(rows) = b.other_rows(&import.query()).await? else {
            return Ok((plan, None));
        };
        // A history none of whose migrations is a file of this set (same version, and the
        // same content where the tool keeps a checksum) is another module's: a plugin booting
        // before the core module that adopts it. Refused as before adopting existed, also
        // under `ignore_missing()`, so that this module's run never makes the database look
        // adopted, which would let the core's migrations run a second time.
        let ours = self.judge(&import, rows.clone(), true);
        if ours.is_ok_and(|a| a.rows.is_empty()) {
            return Err(refused);
        }
        let adoption = self.judge(&import, rows, false)?;
        let rows: Vec<AppliedRow> = adoption.rows.iter().map(|r| r.applied_row()).collect();
        // Planned over the adopted rows before anything is recorded, so that a history the
        // set cannot follow on from (out of order) leaves the database as it was.
        let plan = self.plan(&rows, live)?;
        Ok((plan, Some(adoption)))
    }

    /// Records `adoption`, which `plan` was made over, under the run's lock; `None` when
    /// another process recorded it first (PostgreSQL's transaction lock mode).
    pub(crate) async fn record_adoption<B: Backend>(
        &self,
        b: &mut B,
        adoption: Adoption,
        plan: &Plan,
    ) -> Result<Option<Adopted>, MigrateError> {
        let source = Some((adoption.tool, adoption.table.as_str()));
        let Some(first) = adoption.rows.first().map(|r| r.m.version) else {
            b.write(&records(&adoption.rows, plan.state, source))
                .await?;
            return Ok(Some(adopted(
                adoption.tool,
                &adoption.table,
                &adoption.rows,
                adoption.skipped,
            )));
        };
        let records = records(&adoption.rows, plan.state, source);
        if !b.write_adoption(&records, first).await? {
            return Ok(None);
        }
        tracing::info!(
            tool = adoption.tool.name(),
            table = adoption.table,
            migrations = adoption.rows.len(),
            "adopted another tool's history"
        );
        Ok(Some(adopted(
            adoption.tool,
            &adoption.table,
            &adoption.rows,
            adoption.skipped,
        )))
    }
}
