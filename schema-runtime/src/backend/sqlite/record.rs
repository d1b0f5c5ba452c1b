//! Writing the tracking rows: applied migrations, history events and the module state.

use super::{SqliteBackend, Step, NOW, STATUS_APPLIED};
use crate::backend::{APPLIED_COLUMNS, APPLIED_UPSERT};
use crate::report::EventKind;
use crate::Migration;
use sqlx::pool::PoolConnection;
use sqlx::{Executor, QueryBuilder, Sqlite};
use std::time::Duration;

/// The statements that record an applied migration, and how many there are.
pub(super) struct RecordSql {
    pub text: String,
    pub statements: usize,
}

/// Whether [`applied_sql`](SqliteBackend::applied_sql) leaves the step's `apply` event owed:
/// a migration applied in its own transaction, other than the run's last.
pub(super) fn defers_event(step: &Step, replace: bool) -> bool {
    !replace && !step.records_module
}

/// The history's columns, as every insert into it names them.
const HISTORY_COLUMNS: &str =
    "module, version, description, event, checksum, at, by, duration_ms, detail";

/// A string literal. A string with a NUL, which would end the SQL text early, is written as
/// a blob cast to text.
pub(super) fn literal(value: &str) -> String {
    if value.contains('\0') {
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        return format!("CAST(X'{hex}' AS TEXT)");
    }
    format!("'{}'", value.replace('\'', "''"))
}

impl SqliteBackend<'_> {
    /// Records an applied migration whose duration is known (a `-- no-transaction` file, run
    /// statement by statement): [`applied_sql`](Self::applied_sql) in one call.
    pub(super) async fn record_applied(
        &self,
        conn: &mut sqlx::SqliteConnection,
        step: &Step,
        duration: Duration,
        statements_total: usize,
    ) -> Result<(), sqlx::Error> {
        let record = self.applied_sql(
            step,
            statements_total,
            &(duration.as_millis() as i64).to_string(),
            true,
        );
        // Not cached: each migration's text is its own.
        conn.execute(sqlx::raw_sql(&record.text)).await?;
        Ok(())
    }

    /// The statements that record an applied migration: its row, then (unless its event can
    /// wait, see below) the `apply` events owed so far and its own, and (for the run's last
    /// step) the module row. Values are written in as literals so that the statements can
    /// follow the file's own in one call. `duration_ms` is an SQL expression. `replace` when
    /// the migration has a row already (the `running` row of a `-- no-transaction` file):
    /// `INSERT OR REPLACE` then writes every column, as the upsert would, and is shorter for
    /// SQLite to compile. Otherwise a plain `INSERT`, which fails rather than overwrite a row
    /// nobody expected. These statements are compiled anew for every migration, so they are
    /// written without indentation for SQLite to skip.
    ///
    /// The event of a migration applied in a transaction of its own, other than the run's
    /// last, waits ([`defers_event`]): it is written, copied from the row, with the next
    /// history write of the run. A commit that writes the history's page as well as the
    /// applied table's costs SQLite one more page to journal and sync, about 4 % of a
    /// migration's apply on a file database.
    pub(super) fn applied_sql(
        &self,
        step: &Step,
        statements_total: usize,
        duration_ms: &str,
        replace: bool,
    ) -> RecordSql {
        let m = step.migration;
        let module = literal(&self.ctx.module);
        let version = m.version;
        let description = literal(m.description);
        let checksum = literal(&m.checksum.to_hex());
        let loose = literal(&m.loose_checksum.to_hex());
        let by = literal(self.ctx.applied_by());
        let total = statements_total;
        let insert = if replace {
            "INSERT OR REPLACE"
        } else {
            "INSERT"
        };
        // language=SQLite
        let mut sql = format!(
            "{insert} INTO {t} ({APPLIED_COLUMNS})\n\
             VALUES ({module}, {version}, {description}, {checksum}, {loose}, {NOW}, {by}, {duration_ms}, '{STATUS_APPLIED}', {total}, {total}, NULL);",
            t = self.m,
        );
        let mut statements = 1;
        if !defers_event(step, replace) {
            if let Some(events) = self.owed_events_sql(&[version]) {
                sql.push('\n');
                sql.push_str(&events);
                statements += 1;
            }
        }
        if step.records_module {
            // language=SQLite
            sql.push_str(&format!(
                "\nINSERT OR REPLACE INTO {t} (module, applied_count, fingerprint, updated_at) \
                 VALUES ({module}, {count}, {fingerprint}, {NOW});",
                t = self.modules,
                count = step.applied_count_after,
                fingerprint = literal(&step.fingerprint_after.to_hex()),
            ));
            statements += 1;
        }
        RecordSql {
            text: sql,
            statements,
        }
    }

    /// The statement that writes the `apply` events still owed, `also` (versions whose rows
    /// the same transaction wrote just before) among them; `None` when none is.
    ///
    /// Each event is copied from its applied row, so it carries the row's time, author and
    /// duration. After a run that may have stopped between a migration's commit and its
    /// events, every applied row of the module without its copied event gets one (a row that
    /// was baselined, repaired or imported has its own event, written after it in its
    /// transaction).
    pub(super) fn owed_events_sql(&self, also: &[i64]) -> Option<String> {
        let module = literal(&self.ctx.module);
        let (t, h) = (&self.m, &self.h);
        if self.catch_up {
            // An applied row is logged when an `apply` event was copied from it (same version,
            // same time), or an import or repair was recorded at or after it. Times are not
            // compared otherwise: a clock set back could make a re-apply look older than its
            // revert. The history is read twice, grouped or as a set, then looked up by
            // version: a join on it would scan it once per applied row (seconds at 10,000).
            // In the order they were applied, which `allow_out_of_order` may set apart from
            // the versions'.
            // language=SQLite
            return Some(format!(
                "INSERT INTO {h} ({HISTORY_COLUMNS})\n\
                 SELECT m.module, m.version, m.description, 'apply', m.checksum, m.applied_at, m.applied_by, m.duration_ms, NULL \
                 FROM {t} AS m LEFT JOIN ( \
                     SELECT version, max(at) AS last FROM {h} \
                     WHERE module = {module} AND event IN ('import', 'repair') GROUP BY version \
                 ) AS r ON r.version = m.version \
                 WHERE m.module = {module} AND m.status = '{STATUS_APPLIED}' \
                     AND (m.version, m.applied_at) NOT IN ( \
                         SELECT version, at FROM {h} WHERE module = {module} AND event = 'apply' \
                     ) \
                     AND (r.last IS NULL OR r.last < m.applied_at) \
                 ORDER BY m.applied_at, m.version;"
            ));
        }
        let versions: Vec<String> = self
            .owed
            .iter()
            .chain(also)
            .map(|v| v.to_string())
            .collect();
        if versions.is_empty() {
            return None;
        }
        // language=SQLite
        Some(format!(
            "INSERT INTO {h} ({HISTORY_COLUMNS})\n\
             SELECT module, version, description, 'apply', checksum, applied_at, applied_by, duration_ms, NULL \
             FROM {t} WHERE module = {module} AND version IN ({}) ORDER BY applied_at, version;",
            versions.join(", ")
        ))
    }

    /// Writes the `apply` events still owed in the caller's transaction, before the history
    /// event it writes next; [`owed_events_written`](Self::owed_events_written) once it commits.
    pub(super) async fn write_owed_events(
        &self,
        conn: &mut sqlx::SqliteConnection,
    ) -> Result<(), sqlx::Error> {
        if let Some(sql) = self.owed_events_sql(&[]) {
            conn.execute(sql.as_str()).await?;
        }
        Ok(())
    }

    /// The transaction that wrote the owed events committed.
    pub(super) fn owed_events_written(&mut self) {
        self.owed.clear();
        self.catch_up = false;
    }

    /// Hands the run's connection back after a call that writes the history: closed instead
    /// when its transaction state is unknown (a rollback that failed), and the owed events
    /// counted written when the call `succeeded` (each such call writes them first).
    pub(super) fn after_history_write(
        &mut self,
        conn: PoolConnection<Sqlite>,
        unknown_state: bool,
        succeeded: bool,
    ) {
        if succeeded {
            self.owed_events_written();
        }
        if unknown_state {
            drop(conn.detach());
        } else {
            self.conn = Some(conn);
        }
    }

    pub(super) async fn record_event(
        &self,
        conn: &mut sqlx::SqliteConnection,
        m: &Migration,
        event: EventKind,
        duration_ms: Option<i64>,
        detail: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        // language=SQLite
        let sql = format!(
            "INSERT INTO {t} ({HISTORY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, {NOW}, ?6, ?7, ?8)",
            t = self.h
        );
        sqlx::query(&sql)
            .bind(&self.ctx.module)
            .bind(m.version)
            .bind(m.description)
            .bind(event.as_str())
            .bind(m.checksum.to_hex())
            .bind(self.ctx.applied_by())
            .bind(duration_ms)
            .bind(detail)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub(super) async fn record_module(
        &self,
        conn: &mut sqlx::SqliteConnection,
        applied_count: i64,
        fingerprint: &str,
    ) -> Result<(), sqlx::Error> {
        // language=SQLite
        let sql = format!(
            "INSERT INTO {t} (module, applied_count, fingerprint, updated_at) VALUES (?1, ?2, ?3, {NOW})
             ON CONFLICT (module) DO UPDATE SET applied_count = excluded.applied_count,
                 fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
            t = self.modules
        );
        sqlx::query(&sql)
            .bind(&self.ctx.module)
            .bind(applied_count)
            .bind(fingerprint)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// [`record_applied`](Self::record_applied) for many steps of one transaction, in
    /// multi-row inserts and one copy of the rows into the history (with any events owed): a
    /// few statements for a whole `all_or_nothing` run instead of two per migration.
    pub(super) async fn record_applied_batch(
        &self,
        conn: &mut sqlx::SqliteConnection,
        steps: &[Step],
        done: &[(Duration, usize)],
    ) -> Result<(), sqlx::Error> {
        // 100 rows of at most 9 parameters stay far below SQLite's limit of 32,766.
        for (steps, done) in steps.chunks(100).zip(done.chunks(100)) {
            let rows: Vec<(&Step, i64, i64)> = steps
                .iter()
                .zip(done)
                .map(|(step, (duration, total))| (step, duration.as_millis() as i64, *total as i64))
                .collect();
            // language=SQLite
            let mut applied =
                QueryBuilder::<Sqlite>::new(format!("INSERT INTO {} ({APPLIED_COLUMNS}) ", self.m));
            applied.push_values(&rows, |mut row, (step, ms, total)| {
                let m = step.migration;
                row.push_bind(&self.ctx.module)
                    .push_bind(m.version)
                    .push_bind(m.description)
                    .push_bind(m.checksum.to_hex())
                    .push_bind(m.loose_checksum.to_hex())
                    .push(NOW)
                    .push_bind(self.ctx.applied_by())
                    .push_bind(*ms)
                    .push(format!("'{STATUS_APPLIED}'"))
                    .push_bind(*total)
                    .push_bind(*total)
                    .push("NULL");
            });
            applied.push(" ");
            applied.push(APPLIED_UPSERT);
            applied.build().execute(&mut *conn).await?;
        }
        // Copied from the rows, as a run's other events are: the same time, to the millisecond.
        let versions: Vec<i64> = steps.iter().map(|s| s.migration.version).collect();
        if let Some(events) = self.owed_events_sql(&versions) {
            conn.execute(events.as_str()).await?;
        }
        match steps.last() {
            Some(last) if last.records_module => {
                self.record_module(
                    conn,
                    last.applied_count_after,
                    &last.fingerprint_after.to_hex(),
                )
                .await
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn literals_survive_quotes_and_nul() {
        assert_eq!(literal(r"it's \ fine"), r"'it''s \ fine'");
        assert_eq!(literal("a\0b"), "CAST(X'610062' AS TEXT)");
    }
}
