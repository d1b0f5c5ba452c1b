CREATE TABLE calendar_events (id INTEGER PRIMARY KEY);
ALTER TABLE calendar_events RENAME TO events;
