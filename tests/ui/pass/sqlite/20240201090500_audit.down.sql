DROP TRIGGER orders_audit_delete;
DROP TRIGGER orders_audit_status;
DROP TABLE audit_log;
