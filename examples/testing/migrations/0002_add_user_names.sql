-- A display name, backfilled from the address for the users already there.
ALTER TABLE users ADD COLUMN name TEXT;
UPDATE users SET name = email WHERE name IS NULL;
