CREATE VIEW account_order_totals AS
WITH per_order AS (
    SELECT o.id, o.account_id, o.placed_at, SUM(l.total_cents) AS cents
    FROM orders o
    JOIN order_lines l ON l.order_id = o.id
    GROUP BY o.id
)
SELECT a.id AS account_id,
       a.email,
       COUNT(p.id) AS orders,
       COALESCE(SUM(p.cents), 0) AS cents,
       MAX(p.placed_at) AS last_order_at
FROM accounts a
LEFT JOIN per_order p ON p.account_id = a.id
GROUP BY a.id;

CREATE VIEW ranked_orders AS
SELECT id,
       account_id,
       placed_at,
       row_number() OVER (PARTITION BY account_id ORDER BY placed_at DESC) AS recency,
       COUNT(*) OVER w AS account_orders,
       lag(placed_at) OVER (PARTITION BY account_id ORDER BY placed_at) AS previous_at
FROM orders
WINDOW w AS (PARTITION BY account_id);
