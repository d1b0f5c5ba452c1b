CREATE TABLE sessions (
    id      TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX sessions_user_id ON sessions (user_id);
