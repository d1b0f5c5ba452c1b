DROP INDEX orders_open_idx;
DROP INDEX orders_account_idx;
DROP TABLE orders;
