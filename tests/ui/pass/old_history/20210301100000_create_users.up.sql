CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    legacy_flag INTEGER,
    created_at  TEXT
);
