CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT);
CREATE TRIGGER calendar_event_title AFTER INSERT ON calendar_events BEGIN
    UPDATE conversations SET title = new.title WHERE user_id = new.user_id;
END;
