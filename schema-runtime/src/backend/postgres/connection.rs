//! The run's connections on PostgreSQL: which one a step uses (the session that holds the
//! lock, or one of the pool), and the settings a migration changed on it, compared and set
//! back before it is handed on.

use super::session::{self, Custom, Session, Snapshot};
use super::PgBackend;
use crate::{MigrateError, Migration};
use sqlx::postgres::{PgConnection, Postgres};
use sqlx::Connection;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;

/// The connection a step of the run uses. Either is a [`Session`]: dropped before it is put
/// back (a run cancelled part-way), it is closed, never returned to the pool inside a
/// transaction a `-- no-transaction` file opened.
pub(super) enum Conn {
    Dedicated(Session),
    Pooled(Session),
}

impl Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            Conn::Dedicated(c) => c,
            Conn::Pooled(c) => c,
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Conn::Dedicated(c) => c,
            Conn::Pooled(c) => c,
        }
    }
}

impl PgBackend<'_> {
    /// The run's connection: the dedicated one while the session lock is held, a connection of
    /// the pool otherwise. The first one qualifies the tracking tables with their schema.
    pub(super) async fn take_conn(&mut self) -> Result<Conn, MigrateError> {
        let mut conn = self.any_conn().await?;
        if !self.resolved {
            if let Err(e) = self.resolve_tables(&mut conn).await {
                self.put_conn(conn);
                return Err(e);
            }
        }
        Ok(conn)
    }

    /// [`PgBackend::take_conn`] without qualifying the tables: for a read that finds them
    /// through the search path the pool's connections have.
    pub(super) async fn any_conn(&mut self) -> Result<Conn, MigrateError> {
        match self.dedicated.take() {
            Some(conn) => Ok(Conn::Dedicated(conn)),
            None => self
                .pool
                .acquire()
                .await
                .map(|conn| Conn::Pooled(Session::new(conn)))
                .map_err(MigrateError::db(
                    "acquiring a connection from the PostgreSQL pool",
                )),
        }
    }

    /// Whether statements may be named and cached on their connection. Not behind a
    /// transaction-pooling proxy (transaction lock mode), where the next transaction may reach
    /// another server connection that never saw the statement.
    pub(super) fn cached(&self) -> bool {
        !Self::transaction_mode(&self.settings)
    }

    /// Fetches the rows of a query made outside a migration's transaction. Behind a
    /// transaction-pooling proxy such a query's prepare and execute may reach two different
    /// server connections, so in transaction lock mode it runs inside a transaction.
    pub(super) async fn fetch_outside(
        &self,
        conn: &mut PgConnection,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
        if !Self::transaction_mode(&self.settings) {
            return query.fetch_all(conn).await;
        }
        let mut tx = conn.begin().await?;
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// [`PgBackend::fetch_outside`] on the run's connection (never a second one while the
    /// run holds one: a pool of one connection is enough).
    pub(super) async fn fetch_pooled(
        &mut self,
        query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
        let mut conn = match self.dedicated.take() {
            Some(conn) => Conn::Dedicated(conn),
            None => Conn::Pooled(Session::new(self.pool.acquire().await?)),
        };
        let rows = self.fetch_outside(&mut conn, query).await;
        self.put_conn(conn);
        rows
    }

    pub(super) fn put_conn(&mut self, conn: Conn) {
        match conn {
            Conn::Dedicated(conn) => self.dedicated = Some(conn),
            // Not as lent: closed rather than returned to the pool.
            Conn::Pooled(conn) => {
                if !self.unclean.swap(false, Ordering::Relaxed) {
                    conn.release();
                }
            }
        }
    }

    /// Puts back the settings a migration changed on `conn` (the run's connection, inside the
    /// migration's transaction in transaction lock mode); marks the connection to be closed
    /// when one could not be. Without a snapshot (none was taken) there is nothing to compare.
    ///
    /// On the run's own session (session lock mode) only a migration whose text may change a
    /// setting (`sql`, see [`session::may_change_settings`]) is compared: the connection is
    /// compared with the settings it was lent with anyway when the run hands it back, and the
    /// comparison costs as much server time as a small migration. Behind a transaction-pooling
    /// proxy the server connection serves other clients after each transaction, so there every
    /// migration is compared, in its transaction.
    pub(super) async fn settle(
        &self,
        conn: &mut PgConnection,
        sql: &[&str],
        custom: &Custom,
    ) -> Result<(), String> {
        // State no setting shows (a temporary table, a session advisory lock, a prepared
        // statement) cannot be set back: the connection is closed when the run is done.
        if sql.iter().any(|sql| session::may_leave_session_state(sql)) {
            self.unclean.store(true, Ordering::Relaxed);
        }
        let Some(working) = &self.working else {
            return Ok(());
        };
        if !Self::transaction_mode(&self.settings)
            && !sql.iter().any(|sql| session::may_change_settings(sql))
        {
            return Ok(());
        }
        let restored = working.restore(conn, self.cached(), custom).await;
        if restored.is_err() {
            self.unclean.store(true, Ordering::Relaxed);
        }
        restored
    }

    /// The custom settings `sql` names, as they are on `conn` before it runs.
    pub(super) async fn custom_before(
        &self,
        conn: &mut PgConnection,
        sql: &[&str],
    ) -> Result<Custom, MigrateError> {
        session::custom_before(conn, self.cached(), sql)
            .await
            .map_err(MigrateError::db("reading the connection's settings"))
    }

    /// [`PgBackend::custom_before`] on a connection outside any transaction: in transaction
    /// lock mode in a transaction of its own, which a proxy sends to one server connection.
    pub(super) async fn custom_outside(
        &self,
        conn: &mut PgConnection,
        sql: &str,
    ) -> Result<Custom, MigrateError> {
        if !Self::transaction_mode(&self.settings) || !session::may_change_settings(sql) {
            return self.custom_before(conn, &[sql]).await;
        }
        let mut tx = conn
            .begin()
            .await
            .map_err(MigrateError::db("reading the connection's settings"))?;
        let custom = self.custom_before(&mut tx, &[sql]).await?;
        tx.commit()
            .await
            .map_err(MigrateError::db("reading the connection's settings"))?;
        Ok(custom)
    }

    /// Before a file that runs outside a transaction: the snapshot of transaction lock mode,
    /// and the custom settings the file names as they are now.
    pub(super) async fn before_outside(
        &mut self,
        conn: &mut PgConnection,
        sql: &str,
    ) -> Result<Custom, MigrateError> {
        self.snapshot_pooled(conn).await?;
        self.custom_outside(conn, sql).await
    }

    /// [`PgBackend::settle`] inside a migration's transaction `tx`, before its commit. In
    /// transaction lock mode a setting that could not be set back would stay on a server
    /// connection that serves other clients once the transaction ends: the transaction is
    /// rolled back instead, and the migration (every one of `steps`) fails, not applied.
    pub(super) async fn settle_before_commit(
        &self,
        tx: &mut sqlx::Transaction<'_, Postgres>,
        steps: &[&Migration],
        custom: &Custom,
    ) -> Result<(), MigrateError> {
        let sql: Vec<&str> = steps.iter().map(|m| m.sql).collect();
        match self.settle(tx, &sql, custom).await {
            Err(settings) if Self::transaction_mode(&self.settings) => {
                let m = steps.last().copied();
                Err(MigrateError::SettingNotSetBack {
                    version: m.map_or(0, |m| m.version),
                    file: steps.iter().map(|m| m.path).collect::<Vec<_>>().join(", "),
                    settings,
                })
            }
            _ => Ok(()),
        }
    }

    /// [`PgBackend::settle`] on a connection outside any transaction: in transaction lock mode
    /// in a transaction of its own, which a proxy sends to one server connection.
    pub(super) async fn settle_outside(&self, conn: &mut PgConnection, sql: &str, custom: &Custom) {
        if !Self::transaction_mode(&self.settings) {
            let _ = self.settle(conn, &[sql], custom).await;
            return;
        }
        match conn.begin().await {
            Ok(mut tx) => {
                let settled = self.settle(&mut tx, &[sql], custom).await;
                if tx.commit().await.is_err() || settled.is_err() {
                    self.unclean.store(true, Ordering::Relaxed);
                }
            }
            Err(_) => self.unclean.store(true, Ordering::Relaxed),
        }
    }

    /// In transaction lock mode: the settings each migration starts from, read once per run
    /// on a connection of the pool, in a transaction (behind a proxy, the server connection
    /// a migration's transaction reaches).
    pub(super) async fn snapshot_pooled(
        &mut self,
        conn: &mut PgConnection,
    ) -> Result<(), MigrateError> {
        if self.working.is_some() || !Self::transaction_mode(&self.settings) {
            return Ok(());
        }
        let snapshot = async {
            let mut tx = conn.begin().await?;
            let snapshot = Snapshot::read(&mut tx, false).await?;
            tx.commit().await?;
            Ok(snapshot)
        }
        .await
        .map_err(MigrateError::db("reading the connection's settings"))?;
        self.working = Some(snapshot);
        Ok(())
    }
}
