-- no-transaction
-- Built outside a transaction so that, on a large table, other writers are not held up by one
-- long transaction; each statement is run and recorded on its own.
CREATE INDEX IF NOT EXISTS tasks_open_due_idx ON tasks (due_at) WHERE done = 0;
ANALYZE tasks;
