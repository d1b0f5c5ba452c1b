-- SQLite accepts both statements and fails only when the view is read or the trigger fires.
CREATE VIEW order_totals AS
SELECT status, SUM(amount_cent) AS cents FROM orders GROUP BY status;

CREATE TRIGGER orders_log_status AFTER UPDATE OF status ON orders
BEGIN
    INSERT INTO order_events (order_id, status) VALUES (NEW.id, NEW.status);
END;
