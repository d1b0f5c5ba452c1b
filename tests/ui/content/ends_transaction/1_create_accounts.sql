CREATE TABLE accounts (id INTEGER PRIMARY KEY);
COMMIT;
CREATE INDEX accounts_id ON accounts (id);
