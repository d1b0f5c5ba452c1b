CREATE TABLE order_lines_old (
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents  INTEGER NOT NULL,
    total_cents INTEGER GENERATED ALWAYS AS (quantity * unit_cents) STORED,
    sku_upper   TEXT AS (upper(sku)) VIRTUAL,
    PRIMARY KEY (order_id, line)
) WITHOUT ROWID;
INSERT INTO order_lines_old (order_id, line, sku, quantity, unit_cents)
    SELECT order_id, line, sku, quantity, unit_cents FROM order_lines;
DROP VIEW account_order_totals;
DROP TABLE order_lines;
ALTER TABLE order_lines_old RENAME TO order_lines;
CREATE INDEX order_lines_sku_idx ON order_lines (sku_upper);
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
