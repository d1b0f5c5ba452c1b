CREATE OR REPLACE VIEW account_order_stats AS
WITH per_account AS (
    SELECT account_id,
           count(*) AS orders,
           sum(total_cents) FILTER (WHERE status <> 'refunded') AS revenue_cents,
           max(placed_at) AS last_order_at
    FROM orders
    GROUP BY account_id
)
SELECT a.id,
       a.email,
       p.orders,
       p.revenue_cents,
       rank() OVER (ORDER BY p.revenue_cents DESC NULLS LAST) AS revenue_rank,
       p.last_order_at::date AS last_order_on
FROM accounts a
LEFT JOIN per_account p ON p.account_id = a.id;

CREATE MATERIALIZED VIEW IF NOT EXISTS daily_revenue AS
SELECT date_trunc('day', placed_at) AS day,
       sum(total_cents) AS cents,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY total_cents) AS median_cents
FROM orders
GROUP BY 1
WITH NO DATA;

CREATE UNIQUE INDEX daily_revenue_day_idx ON daily_revenue (day);
