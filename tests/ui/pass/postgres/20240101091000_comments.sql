COMMENT ON TABLE accounts IS 'People who sign in; one row per email address.';
COMMENT ON COLUMN accounts.settings IS 'Free-form preferences, merged by the client.';
COMMENT ON TYPE order_status IS 'Where an order is in its life.';
COMMENT ON FUNCTION set_updated_at() IS 'Keeps updated_at current.';
COMMENT ON INDEX orders_tags_idx IS NULL;
