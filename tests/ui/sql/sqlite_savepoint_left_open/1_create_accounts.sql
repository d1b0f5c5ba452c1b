-- no-transaction
SAVEPOINT backfill;
CREATE TABLE accounts (id INTEGER PRIMARY KEY);
