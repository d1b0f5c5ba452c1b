ALTER TABLE users ADD COLUMN calendar_colour TEXT;
