CREATE TABLE order_lines (
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_cents  INTEGER NOT NULL,
    total_cents INTEGER GENERATED ALWAYS AS (quantity * unit_cents) STORED,
    sku_upper   TEXT AS (upper(sku)) VIRTUAL,
    PRIMARY KEY (order_id, line)
) WITHOUT ROWID;

CREATE INDEX order_lines_sku_idx ON order_lines (sku_upper);
