DROP TRIGGER calendar_forget_user;
DROP VIEW calendar_agenda;
DROP INDEX calendar_conversations_title;
DROP INDEX calendar_events_user_id;
DROP TABLE calendar_events;
