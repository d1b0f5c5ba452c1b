CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id));
CREATE TABLE reminders (id INTEGER PRIMARY KEY, event_id INTEGER REFERENCES calendar_events (id));
