-- Forgets the column.
DROP INDEX users_bio_idx;
