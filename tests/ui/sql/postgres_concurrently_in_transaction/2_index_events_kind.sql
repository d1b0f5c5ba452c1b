-- The index is built without locking writes; CONCURRENTLY cannot run in a transaction.
CREATE INDEX CONCURRENTLY events_kind ON events (kind);
