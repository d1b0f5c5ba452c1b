PRAGMA foreign_keys = OFF;
CREATE TABLE authors_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO authors_new SELECT id, name FROM authors;
DROP TABLE authors;
ALTER TABLE authors_new RENAME TO authors;
PRAGMA foreign_keys = ON;
