ALTER TABLE accounts ADD COLUMN IF NOT EXISTS locale text NOT NULL DEFAULT 'en';
ALTER TABLE accounts ALTER COLUMN locale SET DEFAULT 'en-GB';
ALTER TABLE orders ALTER COLUMN quantity TYPE bigint USING quantity::bigint;
ALTER TABLE orders ADD CONSTRAINT orders_price_positive CHECK (price_cents >= 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_price_positive;
ALTER TABLE accounts RENAME COLUMN display_name TO name;
ALTER TABLE audit_log SET (autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE orders ALTER COLUMN tags SET STATISTICS 500;
