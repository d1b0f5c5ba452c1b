CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT);
CREATE VIEW agenda AS
    SELECT e.title, u.email FROM calendar_events e JOIN users u ON u.id = e.user_id;
