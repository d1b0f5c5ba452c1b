-- The index on `bio` was added later, and nobody updated this file.
ALTER TABLE authors DROP COLUMN bio;
