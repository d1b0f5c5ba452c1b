-- SQLite cannot change a column's constraints in place: rebuild the table the documented way.
CREATE TABLE order_lines_new (
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    sku         TEXT NOT NULL CHECK (length(sku) > 0),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents  INTEGER NOT NULL CHECK (unit_cents >= 0),
    total_cents INTEGER GENERATED ALWAYS AS (quantity * unit_cents) STORED,
    sku_upper   TEXT AS (upper(sku)) VIRTUAL,
    PRIMARY KEY (order_id, line)
) WITHOUT ROWID;
INSERT INTO order_lines_new (order_id, line, sku, quantity, unit_cents)
    SELECT order_id, line, sku, quantity, unit_cents FROM order_lines;
DROP VIEW account_order_totals;
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE INDEX order_lines_sku_idx ON order_lines (sku_upper);
CREATE VIEW account_order_totals AS
SELECT o.account_id, SUM(l.total_cents) AS cents FROM orders o JOIN order_lines l ON l.order_id = o.id GROUP BY o.account_id;
