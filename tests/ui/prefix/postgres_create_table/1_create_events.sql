CREATE TABLE public.calendar_events (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
CREATE TABLE public.reminders (id bigint PRIMARY KEY, event_id bigint REFERENCES calendar_events (id));
