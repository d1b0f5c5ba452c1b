CREATE TYPE event_kind AS ENUM ('meeting', 'task');
CREATE SEQUENCE calendar_event_ids;
CREATE FUNCTION next_event_id() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('calendar_event_ids') $$;
