ALTER TABEL accounts ADD COLUMN name text;
