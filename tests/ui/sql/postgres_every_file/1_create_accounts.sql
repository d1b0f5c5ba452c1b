CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL DEFAULT);
CREATE INDEX accounts_email_idx ON accounts (email);
CREATE INDEX ON;
