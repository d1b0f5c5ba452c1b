ALTER TABLE orders DROP COLUMN customer_note;
ALTER TABLE accounts DROP COLUMN locale;
