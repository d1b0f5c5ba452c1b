CREATE TABLE calendar_events (id bigint PRIMARY KEY);
ALTER TABLE calendar_events RENAME TO events;
DROP INDEX public.users_email_idx;
