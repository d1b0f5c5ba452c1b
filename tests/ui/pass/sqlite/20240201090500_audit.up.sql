CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    row_id     INTEGER NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT,
    at         TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER orders_audit_status
AFTER UPDATE OF status ON orders
FOR EACH ROW
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO audit_log (table_name, row_id, action, detail)
    VALUES ('orders', NEW.id,
            CASE WHEN NEW.status = 'shipped' THEN 'ship' ELSE 'update' END,
            json_object('from', OLD.status, 'to', NEW.status));
END;

CREATE TRIGGER orders_audit_delete
BEFORE DELETE ON orders
BEGIN
    INSERT INTO audit_log (table_name, row_id, action) VALUES ('orders', OLD.id, 'delete');
    SELECT CASE WHEN OLD.status = 'shipped' THEN RAISE(ABORT, 'shipped orders are kept') END;
END;
