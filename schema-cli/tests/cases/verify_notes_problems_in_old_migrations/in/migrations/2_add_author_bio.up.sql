ALTER TABLE authors ADD COLUMN bio TEXT;
CREATE INDEX authors_bio ON authors (bio);
