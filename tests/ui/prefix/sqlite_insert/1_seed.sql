CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
INSERT INTO users (email) VALUES ('calendar-bot@example.com');
