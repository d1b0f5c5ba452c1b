CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value ANY
) STRICT, WITHOUT ROWID;

INSERT INTO settings (key, value) VALUES ('theme', 'dark'), ('page_size', 50)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;
