-- Builds the index without blocking writers.
-- schema: no-transactoin
CREATE INDEX a_name_idx ON a (name);
