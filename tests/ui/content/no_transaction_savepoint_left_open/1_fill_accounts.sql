-- no-transaction
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
SAVEPOINT fill;
INSERT INTO accounts (name) VALUES ('a');
SAVEPOINT second;
INSERT INTO accounts (name) VALUES ('b');
RELEASE SAVEPOINT second;
