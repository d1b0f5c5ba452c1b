-- no-transaction
CREATE TABLE accounts (id INTEGER PRIMARY KEY);
BEGIN;
INSERT INTO accounts (id) VALUES (1);
