CREATE TABLE IF NOT EXISTS feature_flags (
    key        text PRIMARY KEY,
    enabled    boolean NOT NULL DEFAULT false,
    rollout    smallint NOT NULL DEFAULT 0 CHECK (rollout BETWEEN 0 AND 100),
    meta       jsonb,
    valid_from timestamp(0) without time zone,
    nullable_unique text UNIQUE NULLS NOT DISTINCT
);
CREATE INDEX feature_flags_meta_idx ON feature_flags ((meta ->> 'owner')) WHERE meta IS NOT NULL;
ALTER SEQUENCE app.invoice_number_seq OWNED BY orders.invoice_no;
CREATE STATISTICS orders_account_status (dependencies) ON account_id, status FROM orders;
ANALYZE orders;
SELECT setval('app.invoice_number_seq', 5000, false);
