INSERT INTO users (email) VALUES ('calendar-bot@example.com');
WITH old AS (DELETE FROM conversations WHERE title = '' RETURNING id) SELECT count(*) FROM old;
TRUNCATE conversations;
