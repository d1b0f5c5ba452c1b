//! The tracking tables: their definition, which `ensure_tables` creates under the lock.

use super::PgBackend;

impl PgBackend<'_> {
    /// The statements that create the tracking tables when they do not exist.
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
                updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
            );",
            m = self.m,
            h = self.h,
            modules = self.modules
        )
    }
}
