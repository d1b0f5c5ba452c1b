ALTER TABLE users ADD COLUMN bio TEXT;
CREATE INDEX users_bio_idx ON users (bio) WHERE bio IS NOT NULL;
