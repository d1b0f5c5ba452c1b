CREATE TABLE orders (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status       order_status NOT NULL DEFAULT 'pending',
    tags         text[] NOT NULL DEFAULT '{}',
    quantity     integer NOT NULL CHECK (quantity > 0),
    price_cents  bigint NOT NULL,
    total_cents  bigint GENERATED ALWAYS AS (quantity * price_cents) STORED,
    placed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    invoice_no   bigint DEFAULT nextval('app.invoice_number_seq'::regclass)
);
CREATE INDEX orders_tags_idx ON orders USING gin (tags);
CREATE INDEX orders_account_placed_idx ON orders (account_id, placed_at DESC) INCLUDE (status);
