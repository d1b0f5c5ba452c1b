CREATE TABLE posts (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body    TEXT NOT NULL
);
CREATE TABLE tags (post_id INTEGER NOT NULL REFERENCES posts (id), tag TEXT NOT NULL);
