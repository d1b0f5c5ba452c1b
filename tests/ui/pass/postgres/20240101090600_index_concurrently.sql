-- no-transaction
-- Built without locking writes on a live table.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_pending_idx ON orders (placed_at) WHERE status = 'pending';
CREATE UNIQUE INDEX CONCURRENTLY accounts_lower_email_idx ON accounts USING btree (lower(email::text));
DROP INDEX CONCURRENTLY IF EXISTS orders_account_placed_idx;
REINDEX INDEX CONCURRENTLY orders_tags_idx;
