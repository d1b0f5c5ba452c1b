-- Accounts of the people who use the service.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    email        TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
