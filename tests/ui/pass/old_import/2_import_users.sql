-- `import_users` was loaded by hand on the production server before this ran.
INSERT INTO users (id, email) SELECT id, email FROM import_users;
CREATE INDEX users_email ON users (email);
