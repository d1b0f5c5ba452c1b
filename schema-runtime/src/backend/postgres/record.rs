//! Writing the tracking rows: applied migrations, history events and the module state.

use super::{PgBackend, Step, STATUS_APPLIED};
use crate::backend::{APPLIED_COLUMNS, APPLIED_UPSERT};
use crate::report::EventKind;
use crate::Migration;
use sqlx::postgres::PgConnection;
use std::time::Duration;

impl PgBackend<'_> {
    /// Records an applied migration: its row, its history event and (for the run's last step)
    /// the module state, in one statement (one round trip) inside the migration's transaction.
    pub(super) async fn record_applied(
        &self,
        conn: &mut PgConnection,
        step: &Step,
        duration: Duration,
        statements_total: usize,
    ) -> Result<(), sqlx::Error> {
        let m = step.migration;
        // language=PostgreSQL
        let sql = format!(
            "WITH applied AS (
                INSERT INTO {t} ({APPLIED_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, now(), $6, $7, '{STATUS_APPLIED}', $8, $8, NULL)
                {APPLIED_UPSERT}
             ), event AS (
                INSERT INTO {h} (module, version, description, event, checksum, at, by, duration_ms)
                VALUES ($1, $2, $3, 'apply', $4, now(), $6, $7)
             )
             INSERT INTO {modules} (module, applied_count, fingerprint, updated_at)
             SELECT $1, $9, $10, now() WHERE $11
             ON CONFLICT (module) DO UPDATE SET applied_count = excluded.applied_count,
                 fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
            t = self.m,
            h = self.h,
            modules = self.modules
        );
        sqlx::query(&sql)
            .persistent(self.cached())
            .bind(&self.ctx.module)
            .bind(m.version)
            .bind(m.description)
            .bind(m.checksum.to_hex())
            .bind(m.loose_checksum.to_hex())
            .bind(self.ctx.applied_by())
            .bind(duration.as_millis() as i64)
            .bind(statements_total as i64)
            .bind(step.applied_count_after)
            .bind(step.fingerprint_after.to_hex())
            .bind(step.records_module)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub(super) async fn record_event(
        &self,
        conn: &mut PgConnection,
        m: &Migration,
        event: EventKind,
        detail: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        // language=PostgreSQL
        let sql = format!(
            "INSERT INTO {t} (module, version, description, event, checksum, at, by, detail)
             VALUES ($1, $2, $3, $4, $5, now(), $6, $7)",
            t = self.h
        );
        sqlx::query(&sql)
            .persistent(self.cached())
            .bind(&self.ctx.module)
            .bind(m.version)
            .bind(m.description)
            .bind(event.as_str())
            .bind(m.checksum.to_hex())
            .bind(self.ctx.applied_by())
            .bind(detail)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub(super) async fn record_module(
        &self,
        conn: &mut PgConnection,
        applied_count: i64,
        fingerprint: &str,
    ) -> Result<(), sqlx::Error> {
        // language=PostgreSQL
        let sql = format!(
            "INSERT INTO {t} (module, applied_count, fingerprint, updated_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (module) DO UPDATE SET applied_count = excluded.applied_count,
                 fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
            t = self.modules
        );
        sqlx::query(&sql)
            .persistent(self.cached())
            .bind(&self.ctx.module)
            .bind(applied_count)
            .bind(fingerprint)
            .execute(conn)
            .await?;
        Ok(())
    }
}
