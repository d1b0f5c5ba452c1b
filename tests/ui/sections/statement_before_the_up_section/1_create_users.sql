-- Users.
PRAGMA foreign_keys = ON;
-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY);

-- +goose Down
DROP TABLE users;
