-- The calendar plugin builds on the core (`users`, `conversations`) and on `tags`.
CREATE TABLE calendar_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id),
    tag_id INTEGER REFERENCES tags (id),
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL
);
CREATE INDEX calendar_events_user_id ON calendar_events (user_id);
-- An index on a core table, named with the plugin's prefix.
CREATE INDEX calendar_conversations_title ON conversations (title);
-- A view reading core tables.
CREATE VIEW calendar_agenda AS
    SELECT e.id, e.title, e.starts_at, u.email, c.title AS conversation
      FROM calendar_events e
      JOIN users u ON u.id = e.user_id
      LEFT JOIN conversations c ON c.id = e.conversation_id;
-- A trigger on a core table that writes only the plugin's own table.
CREATE TRIGGER calendar_forget_user AFTER DELETE ON users BEGIN
    DELETE FROM calendar_events WHERE user_id = old.id;
END;
INSERT INTO calendar_events (user_id, title, starts_at)
    SELECT id, 'Welcome', datetime('now') FROM users;
