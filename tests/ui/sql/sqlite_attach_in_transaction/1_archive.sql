ATTACH DATABASE 'archive.db' AS archive;
CREATE TABLE archive.old_orders (id INTEGER PRIMARY KEY);
