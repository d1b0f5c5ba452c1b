CREATE TABLE accounts (id INTEGER PRIMARY KEY);

/* Accounts need an owner:
ALTER TABLE accounts ADD COLUMN owner TEXT;
