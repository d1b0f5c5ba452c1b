CREATE TABLE calendar_events (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
CREATE INDEX conversations_title ON conversations (title);
CREATE VIEW upcoming AS SELECT id FROM calendar_events;
CREATE FUNCTION calendar_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER touch_users BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION calendar_touch();
DROP VIEW IF EXISTS user_emails;
DROP TABLE conversations;
