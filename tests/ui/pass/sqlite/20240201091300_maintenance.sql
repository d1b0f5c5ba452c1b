-- no-transaction
-- Statements that refuse to run inside a transaction.
PRAGMA foreign_keys = OFF;
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
PRAGMA foreign_keys = ON;
VACUUM;
ANALYZE;
PRAGMA optimize;
