ALTER TABLE users ADD COLUMN name TEXT;
CREATE INDEX users_name ON users (name);
