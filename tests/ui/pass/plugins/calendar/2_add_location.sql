ALTER TABLE calendar_events ADD COLUMN location TEXT;
UPDATE calendar_events SET location = 'office'
 WHERE user_id IN (SELECT id FROM users WHERE email LIKE '%@example.com');
CREATE TEMP TABLE moved (id INTEGER);
INSERT INTO moved SELECT id FROM calendar_events;
DROP TABLE moved;
