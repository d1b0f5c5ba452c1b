-- The people who sign up.
CREATE TABLE users (
    id    INTEGER PRIMARY KEY,
    email TEXT    NOT NULL UNIQUE
);
