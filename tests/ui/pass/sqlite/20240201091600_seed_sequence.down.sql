DELETE FROM sqlite_sequence WHERE name = 'invoices';
DROP TABLE invoices;
