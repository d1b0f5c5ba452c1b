//! The tracking tables: their definition, and when they are created.

use super::SqliteBackend;
use crate::MigrateError;
use sqlx::{Connection, Executor};

/// The modules table's columns that tables created by earlier versions lack, with their
/// types: the registry's (`role`, `active`) and the set's table prefix.
const REGISTRY_COLUMNS: [(&str, &str); 3] =
    [("role", "TEXT"), ("active", "BOOLEAN"), ("prefix", "TEXT")];

/// The modules table's columns a registry reads, whichever of them the table has.
pub(super) const MODULE_COLUMNS: [&str; 4] = ["module", "role", "active", "prefix"];

impl SqliteBackend<'_> {
    /// The statements that create the tracking tables when they do not exist.
    pub(super) fn create_tables_sql(&self) -> String {
        // language=SQLite
        format!(
            "CREATE TABLE IF NOT EXISTS {m} (
                module           TEXT    NOT NULL,
                version          INTEGER NOT NULL,
                description      TEXT    NOT NULL,
                checksum         TEXT    NOT NULL,
                loose_checksum   TEXT,
                applied_at       TEXT    NOT NULL,
                applied_by       TEXT    NOT NULL,
                duration_ms      INTEGER NOT NULL DEFAULT 0,
                status           TEXT    NOT NULL,
                statements_done  INTEGER NOT NULL DEFAULT 0,
                statements_total INTEGER NOT NULL DEFAULT 0,
                error            TEXT,
                PRIMARY KEY (module, version)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS {h} (
                id          INTEGER PRIMARY KEY,
                module      TEXT    NOT NULL,
                version     INTEGER NOT NULL,
                description TEXT    NOT NULL,
                event       TEXT    NOT NULL,
                checksum    TEXT,
                at          TEXT    NOT NULL,
                by          TEXT    NOT NULL,
                duration_ms INTEGER,
                detail      TEXT
            );
            CREATE TABLE IF NOT EXISTS {modules} (
                module        TEXT    PRIMARY KEY,
                applied_count INTEGER NOT NULL,
                fingerprint   TEXT    NOT NULL,
                updated_at    TEXT    NOT NULL,
                role          TEXT,
                active        BOOLEAN,
                prefix        TEXT
            ) WITHOUT ROWID;",
            m = self.m,
            h = self.h,
            modules = self.modules
        )
    }

    /// The query of the modules table's column names (no row when it does not exist).
    pub(super) fn table_info_sql(&self) -> String {
        // language=SQLite
        match self.ctx.tables.modules.split_once('.') {
            Some((schema, table)) => {
                format!("SELECT name FROM \"{schema}\".pragma_table_info('{table}')")
            }
            None => format!(
                "SELECT name FROM pragma_table_info('{}')",
                self.ctx.tables.modules
            ),
        }
    }

    /// Creates the tracking tables when they do not exist, in one transaction: three
    /// statements in autocommit would be three commits, each a journal written and synced.
    pub(super) async fn create_tables(&mut self) -> Result<(), MigrateError> {
        let sql = self.create_tables_sql();
        let mut conn = self.take_conn().await?;
        let columns = self.table_info_sql();
        let result = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            (&mut *tx).execute(sql.as_str()).await?;
            // A modules table an earlier version created lacks the registry's columns (and
            // the prefix); they are added in place, its rows kept (SQLite has no `ADD COLUMN IF NOT EXISTS`).
            let present: Vec<String> = sqlx::query_scalar(&columns).fetch_all(&mut *tx).await?;
            for (column, kind) in REGISTRY_COLUMNS {
                if !present.iter().any(|p| p == column) {
                    let add = format!("ALTER TABLE {} ADD COLUMN {column} {kind}", self.modules);
                    (&mut *tx).execute(add.as_str()).await?;
                }
            }
            tx.commit().await
        }
        .await;
        self.conn = Some(conn);
        result.map_err(MigrateError::db("creating the tracking tables"))?;
        self.tables_deferred = false;
        Ok(())
    }

    /// Creates the tables whose creation was left to the first migration, before a method
    /// other than that migration's writes them.
    pub(super) async fn tables_ready(&mut self) -> Result<(), MigrateError> {
        if self.tables_deferred {
            self.create_tables().await?;
        }
        Ok(())
    }
}
