-- Calendar events belong to a user of the core, and may come out of a conversation.
CREATE TABLE calendar_events (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    title           TEXT    NOT NULL,
    starts_at       TEXT    NOT NULL
);
CREATE INDEX calendar_events_by_user_start ON calendar_events (user_id, starts_at);
