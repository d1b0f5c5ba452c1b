-- +goose Up
-- +goose ENVSUB ON
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);

-- +goose Down
DROP TABLE users;
