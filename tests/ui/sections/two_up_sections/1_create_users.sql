-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY);

-- +goose Up
CREATE TABLE posts (id INTEGER PRIMARY KEY);

-- +goose Down
DROP TABLE posts;
DROP TABLE users;
