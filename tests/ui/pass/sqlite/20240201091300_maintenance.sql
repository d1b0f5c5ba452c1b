-- no-transaction
-- Statements that refuse to run inside a transaction.
PRAGMA foreign_keys = OFF;
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
PRAGMA foreign_keys = ON;
VACUUM;
ANALYZE;
PRAGMA optimize;
-- A name quoted without a space before it, and one in brackets with a space in it.
ATTACH 'archive.db' AS"archive";
CREATE TABLE IF NOT EXISTS archive.audit_log (id INTEGER PRIMARY KEY, at TEXT);
DETACH archive;
ATTACH 'reports.db' AS [report store];
DETACH [report store];
