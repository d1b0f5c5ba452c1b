-- The first administrator.
INSERT INTO user (id, email) VALUES (1, 'admin@example.com');
