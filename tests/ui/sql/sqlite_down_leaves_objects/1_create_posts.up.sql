CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, published_at TEXT);
CREATE INDEX posts_published_idx ON posts (published_at);
CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts (id), tag TEXT NOT NULL);
CREATE VIEW recent_posts AS SELECT id, title FROM posts ORDER BY published_at DESC LIMIT 10;
