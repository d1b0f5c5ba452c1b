CREATE TABLE calendar_audit (user_id INTEGER, at TEXT);
CREATE TRIGGER audit_new_user AFTER INSERT ON users BEGIN
    INSERT INTO calendar_audit (user_id, at) VALUES (new.id, datetime('now'));
END;
