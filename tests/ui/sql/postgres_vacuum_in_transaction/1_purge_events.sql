CREATE TABLE events (id bigint PRIMARY KEY);
DELETE FROM events WHERE id < 1000;
VACUUM (ANALYZE) events;
