//! The run lock on PostgreSQL: a session advisory lock on a connection of the pool, and what
//! happens when a run holding it is dropped.

use super::{PgBackend, Session, Snapshot};
use crate::MigrateError;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

impl PgBackend<'_> {
    /// The advisory lock key: derived from the tracking table and the module, so two modules
    /// (or two applications with their own tables) never wait for each other.
    pub(super) fn key(&self) -> i64 {
        let digest = Sha256::digest(format!(
            "schema-runtime:{}:{}",
            self.ctx.tables.migrations, self.ctx.module
        ));
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// Whether a session holds the run lock now. In transaction mode a `-- no-transaction`
    /// migration holds nothing between its statements, so a `running` row may always be live.
    pub(super) async fn lock_is_held(&mut self) -> Result<bool, MigrateError> {
        if Self::transaction_mode(&self.settings) {
            return Ok(true);
        }
        // language=PostgreSQL
        let sql = "SELECT EXISTS (SELECT 1 FROM pg_locks
                     WHERE locktype = 'advisory' AND granted
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND classid::bigint = ($1 >> 32) & 4294967295
                       AND objid::bigint = $1 & 4294967295 AND objsubid = 1)";
        let query = sqlx::query(sql).persistent(self.cached()).bind(self.key());
        let rows = self.fetch_pooled(query).await.map_err(MigrateError::db(
            "looking for a run holding the migration lock",
        ))?;
        Ok(rows
            .first()
            .is_some_and(|row| row.try_get::<bool, _>(0).unwrap_or(false)))
    }

    /// Takes the run lock: in session mode a session advisory lock on a connection of the pool
    /// (its `after_connect` hooks applied, as the application's are), polled until `wait`; in
    /// transaction mode nothing (each transaction takes its own).
    pub(super) async fn take_session_lock(&mut self, wait: Duration) -> Result<(), MigrateError> {
        self.lock_wait = wait;
        if Self::transaction_mode(&self.settings) {
            // Each writing transaction takes its own lock; there is no session to hold one.
            return Ok(());
        }
        // Closed, not returned, if the run stops before `release_session_lock` hands it back.
        let mut conn = Session::new(self.pool.acquire().await.map_err(MigrateError::db(
            "acquiring the migration connection from the PostgreSQL pool",
        ))?);
        let lent = Snapshot::read(&mut conn, self.cached())
            .await
            .map_err(MigrateError::db("reading the connection's settings"))?;
        let mut settings = String::new();
        if let Some(t) = self.settings.statement_timeout {
            settings.push_str(&format!("SET statement_timeout = {};", t.as_millis()));
        }
        if let Some(t) = self.settings.table_lock_timeout {
            settings.push_str(&format!("SET lock_timeout = {};", t.as_millis()));
        }
        let working = if settings.is_empty() {
            lent.clone()
        } else {
            (&mut *conn)
                .execute(settings.as_str())
                .await
                .map_err(MigrateError::db(
                    "setting the migration connection's timeouts",
                ))?;
            Snapshot::read(&mut conn, self.cached())
                .await
                .map_err(MigrateError::db("reading the connection's settings"))?
        };
        self.lent = Some(lent);
        self.working = Some(working);
        self.unclean.store(false, Ordering::Relaxed);
        if !self.resolved {
            self.resolve_tables(&mut conn).await?;
        }
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .persistent(self.cached())
            .fetch_one(&mut *conn)
            .await
            .map_err(MigrateError::db("opening the migration connection"))?;
        self.dedicated_pid = Some(pid);
        let key = self.key();
        let started = Instant::now();
        // Poll with pg_try_advisory_lock instead of blocking in pg_advisory_lock: a blocked
        // call is a transaction that `CREATE INDEX CONCURRENTLY` run by the lock holder waits
        // for, and the two deadlock (sqlx's replicas fail with "deadlock detected" there).
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .persistent(self.cached())
                .bind(key)
                .fetch_one(&mut *conn)
                .await
                .map_err(MigrateError::db("taking the migration lock"))?;
            if locked {
                break;
            }
            if started.elapsed() >= wait {
                let holder = self.lock_holder(&mut conn, key).await;
                return Err(MigrateError::LockTimeout {
                    waited: started.elapsed(),
                    holder,
                    applied_before: Vec::new(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.lock_key = Some(key);
        self.dedicated = Some(conn);
        Ok(())
    }

    /// Releases the session lock and hands the connection back to the pool with the settings
    /// it was lent with; closes it instead when they could not be set back or the unlock failed.
    pub(super) async fn release_session_lock(&mut self) -> Result<(), MigrateError> {
        let (Some(key), Some(mut conn)) = (self.lock_key.take(), self.dedicated.take()) else {
            return Ok(());
        };
        let released = sqlx::query("SELECT pg_advisory_unlock($1)")
            .persistent(self.cached())
            .bind(key)
            .execute(&mut *conn)
            .await;
        self.dedicated_pid = None;
        let restored = match &self.lent {
            Some(lent) => lent
                .restore(&mut conn, self.cached(), &Default::default())
                .await
                .is_ok(),
            None => false,
        };
        if released.is_ok() && restored && !self.unclean.swap(false, Ordering::Relaxed) {
            conn.release();
        } else {
            // Dropped unreleased: closed, which also releases the lock.
            drop(conn);
        }
        released
            .map(|_| ())
            .map_err(MigrateError::db("releasing the migration lock"))
    }

    /// Who holds the advisory lock, from `pg_locks` and `pg_stat_activity`.
    async fn lock_holder(&self, conn: &mut PgConnection, key: i64) -> String {
        // language=PostgreSQL
        let sql = "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''),
                          coalesce(host(a.client_addr), 'local socket'), coalesce(a.state, ''),
                          to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE l.locktype = 'advisory' AND l.granted
                     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                     AND l.classid::bigint = ($1 >> 32) & 4294967295
                     AND l.objid::bigint = $1 & 4294967295 AND l.objsubid = 1
                   LIMIT 1";
        match sqlx::query(sql)
            .persistent(self.cached()).bind(key).fetch_optional(conn).await {
            Ok(Some(row)) => format!(
                "backend process {} (user `{}`, application `{}`, from {}, {}, connected since {} UTC)",
                row.get::<i32, _>(0),
                row.get::<String, _>(1),
                row.get::<String, _>(2),
                row.get::<String, _>(3),
                row.get::<String, _>(4),
                row.get::<String, _>(5),
            ),
            Ok(None) => "another session, which released it just now".to_owned(),
            Err(e) => format!("another session (could not read pg_stat_activity: {e})"),
        }
    }
}

impl Drop for PgBackend<'_> {
    /// A run dropped part-way (its future cancelled, or a panic) leaves its session on the
    /// server running the current statement with the lock held until that statement ends.
    /// Ending the session from another connection rolls the migration back and frees the lock
    /// now.
    fn drop(&mut self) {
        // The connection itself may be out of `self` (in use by the dropped future), so go by
        // the lock still being held.
        let (Some(pid), Some(_)) = (self.dedicated_pid, self.lock_key) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let pool = self.pool.clone();
        runtime.spawn(async move {
            let _ = sqlx::query("SELECT pg_terminate_backend($1)")
                .persistent(false)
                .bind(pid)
                .execute(&pool)
                .await;
        });
    }
}
