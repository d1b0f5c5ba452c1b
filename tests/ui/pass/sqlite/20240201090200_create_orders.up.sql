CREATE TABLE orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'shipped')),
    placed_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX orders_account_idx ON orders (account_id, placed_at DESC);
-- Only the orders still to ship are looked up by date.
CREATE INDEX orders_open_idx ON orders (placed_at) WHERE status <> 'shipped';
