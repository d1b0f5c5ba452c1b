CREATE TABLE accounts (id INTEGER PRIMARY KEY);
/*
CREATE TABLE old_accounts (id INTEGER); /* kept for the export */
*/
CREATE INDEX accounts_id ON accounts (id);
