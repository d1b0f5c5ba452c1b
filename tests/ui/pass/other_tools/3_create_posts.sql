-- +goose Up
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, edits INTEGER NOT NULL DEFAULT 0);
-- +goose StatementBegin
CREATE TRIGGER posts_edited AFTER UPDATE ON posts
BEGIN
    UPDATE posts SET edits = edits + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER posts_edited;
DROP TABLE posts;
