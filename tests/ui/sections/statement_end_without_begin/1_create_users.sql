-- +goose Up
CREATE TABLE users (id INTEGER PRIMARY KEY);
-- +goose StatementEnd

-- +goose Down
DROP TABLE users;
