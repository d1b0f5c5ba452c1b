CREATE TABLE invoices (id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL UNIQUE);
INSERT INTO sqlite_sequence (name, seq) VALUES ('invoices', 1000);
