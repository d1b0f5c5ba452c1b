UPDATE orders
SET status = 'paid'
WHERE status = 'pending'
  AND id IN (SELECT order_id FROM order_lines GROUP BY order_id HAVING SUM(total_cents) = 0)
RETURNING id;

DELETE FROM audit_log WHERE at < date('now', '-1 year');

INSERT OR IGNORE INTO settings (key, value)
SELECT 'locale:' || id, locale FROM accounts WHERE locale <> 'en';

REPLACE INTO settings (key, value) VALUES ('schema_note', 'backfilled');
