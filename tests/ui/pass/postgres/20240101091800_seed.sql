INSERT INTO accounts (email, name, settings)
VALUES ('admin@example.com', 'Admin', '{"role": "admin"}'::jsonb)
ON CONFLICT (email) DO UPDATE SET settings = accounts.settings || EXCLUDED.settings
RETURNING id;

UPDATE orders o SET status = 'shipped'
FROM accounts a
WHERE a.id = o.account_id AND a.email LIKE E'%\\_test@example.com' AND o.placed_at < now() - interval '30 days';

DELETE FROM audit_log USING accounts WHERE audit_log.row_data ->> 'email' = accounts.email::text;

INSERT INTO events (account_id, occurred_at, kind)
SELECT DISTINCT ON (account_id) account_id, placed_at, 'first_order'
FROM orders
ORDER BY account_id, placed_at;
