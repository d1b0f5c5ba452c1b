//! The tracking tables: their definition, which `ensure_tables` creates under the lock, and the
//! schema they are in.

use super::{quote_ident, PgBackend};
use crate::MigrateError;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnection;
use sqlx::Row;

impl PgBackend<'_> {
    /// Qualifies the tracking tables whose names have no schema with the schema they are in, or
    /// else the one they would be created in (`current_schema()`), as the connection the
    /// application gets from its pool sees them. Once per run, so that a migration's own
    /// `SET search_path` cannot hide them or make the run create a second set elsewhere.
    pub(super) async fn resolve_tables(
        &mut self,
        conn: &mut PgConnection,
    ) -> Result<(), MigrateError> {
        let names = [
            &self.ctx.tables.migrations,
            &self.ctx.tables.history,
            &self.ctx.tables.modules,
        ];
        if names.iter().all(|name| name.contains('.')) {
            self.resolved = true;
            return Ok(());
        }
        // language=PostgreSQL
        let sql = "SELECT current_schema(),
                          (SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)),
                          (SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($2)),
                          (SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($3))";
        let query = sqlx::query(sql)
            .persistent(self.cached())
            .bind(&self.m)
            .bind(&self.h)
            .bind(&self.modules);
        let rows = self
            .fetch_outside(conn, query)
            .await
            .map_err(MigrateError::db(
                "finding the schema of the tracking tables",
            ))?;
        let row = rows.first();
        let schema = |i: usize| row.and_then(|r| r.try_get::<Option<String>, _>(i).ok().flatten());
        let current = schema(0);
        let qualified: Vec<String> = names
            .iter()
            .enumerate()
            .map(
                |(i, name)| match schema(i + 1).or_else(|| current.clone()) {
                    Some(schema) if !name.contains('.') => {
                        format!("{}.{}", quote_ident(&schema), quote_ident(name))
                    }
                    // Already qualified, or no schema to create in: PostgreSQL says so at CREATE.
                    _ => super::quote(name),
                },
            )
            .collect();
        if let [m, h, modules] = qualified.as_slice() {
            self.m = m.clone();
            self.h = h.clone();
            self.modules = modules.clone();
        }
        self.resolved = true;
        Ok(())
    }

    /// The key of the transaction lock taken around creating the tracking tables: one per set
    /// of tables, whatever the module, because two modules creating the same tables at once
    /// fail on the catalog's unique index (`pg_type_typname_nsp_index`).
    pub(super) fn tables_key(&self) -> i64 {
        let digest = Sha256::digest(format!("schema-runtime:tables:{}", self.m));
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// The statements that create the tracking tables when they do not exist, and add the
    /// registry's columns (`role`, `active`) and the set's `prefix` to a modules table an
    /// earlier version created (the last added, `prefix`, is the one looked for).
    /// Checked first rather than `ADD COLUMN IF NOT EXISTS` alone: `ALTER TABLE` takes the
    /// table's strongest lock even when it changes nothing, and would queue every boot's first
    /// query behind a migration writing the table.
    pub(super) fn create_tables_sql(&self) -> String {
        // language=PostgreSQL
        format!(
            "CREATE TABLE IF NOT EXISTS {m} (
                module           TEXT        NOT NULL,
                version          BIGINT      NOT NULL,
                description      TEXT        NOT NULL,
                checksum         TEXT        NOT NULL,
                loose_checksum   TEXT,
                applied_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
                applied_by       TEXT        NOT NULL,
                duration_ms      BIGINT      NOT NULL DEFAULT 0,
                status           TEXT        NOT NULL,
                statements_done  BIGINT      NOT NULL DEFAULT 0,
                statements_total BIGINT      NOT NULL DEFAULT 0,
                error            TEXT,
                PRIMARY KEY (module, version)
            );
            CREATE TABLE IF NOT EXISTS {h} (
                id          BIGSERIAL   PRIMARY KEY,
                module      TEXT        NOT NULL,
                version     BIGINT      NOT NULL,
                description TEXT        NOT NULL,
                event       TEXT        NOT NULL,
                checksum    TEXT,
                at          TIMESTAMPTZ NOT NULL DEFAULT now(),
                by          TEXT        NOT NULL,
                duration_ms BIGINT,
                detail      TEXT
            );
            CREATE TABLE IF NOT EXISTS {modules} (
                module        TEXT        PRIMARY KEY,
                applied_count BIGINT      NOT NULL,
                fingerprint   TEXT        NOT NULL,
                updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
                role          TEXT,
                active        BOOLEAN,
                prefix        TEXT
            );
            DO $upgrade$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {modules_literal}::regclass
                               AND attname = 'prefix' AND NOT attisdropped) THEN
                    ALTER TABLE {modules} ADD COLUMN IF NOT EXISTS role TEXT,
                                          ADD COLUMN IF NOT EXISTS active BOOLEAN,
                                          ADD COLUMN IF NOT EXISTS prefix TEXT;
                END IF;
            END $upgrade$;",
            modules_literal = super::record::literal(&self.modules),
            m = self.m,
            h = self.h,
            modules = self.modules
        )
    }
}
