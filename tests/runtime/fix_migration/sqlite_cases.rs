//! The SQLite corpus: each kind of change made by hand to a migrated database.

use super::fix_cases;

/// The set each case starts from, with rows, so that a rebuild copies data.
const BASE: &str = "
CREATE TABLE owners (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    qty INTEGER NOT NULL DEFAULT 1 CHECK (qty >= 0),
    note TEXT
);
CREATE TABLE logs (id INTEGER PRIMARY KEY, owner_id INTEGER, line TEXT);
CREATE TABLE pairs (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a));
CREATE INDEX items_by_name ON items (name);
CREATE VIEW owner_names AS SELECT id, name FROM owners;
CREATE TRIGGER logs_guard BEFORE DELETE ON logs BEGIN SELECT RAISE(ABORT, 'logs are kept'); END;
INSERT INTO owners VALUES (1, 'ann');
INSERT INTO items VALUES (1, 1, 'pen', 2, 'blue');
INSERT INTO logs VALUES (1, 1, 'started');
INSERT INTO pairs VALUES (1, 2);
";

/// `items` rebuilt by hand with `columns` as its definition.
fn items(columns: &str) -> String {
    format!(
        "CREATE TABLE items_new ({columns});
         INSERT INTO items_new (id, owner_id, name, qty, note) SELECT id, owner_id, name, qty, note FROM items;
         DROP TABLE items;
         ALTER TABLE items_new RENAME TO items;
         CREATE INDEX items_by_name ON items (name);"
    )
}

const ID: &str = "id INTEGER PRIMARY KEY";
const OWNER: &str = "owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT";
const QTY: &str = "qty INTEGER NOT NULL DEFAULT 1 CHECK (qty >= 0)";

/// `logs` rebuilt by hand with `definition` (columns and options), its rows copied.
fn logs(definition: &str, copy: &str) -> String {
    format!(
        "CREATE TABLE logs_new {definition};
         INSERT INTO logs_new ({copy}) SELECT {copy} FROM logs;
         DROP TABLE logs;
         ALTER TABLE logs_new RENAME TO logs;
         CREATE TRIGGER logs_guard BEFORE DELETE ON logs BEGIN SELECT RAISE(ABORT, 'logs are kept'); END;"
    )
}

fix_cases!(crate::support::sqlite::Db, BASE, {
    table_added => "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL)",
    table_dropped => "DROP TABLE pairs",
    column_added => "ALTER TABLE items ADD COLUMN color TEXT DEFAULT 'red'",
    column_added_not_null => "ALTER TABLE items ADD COLUMN weight INTEGER NOT NULL DEFAULT 0",
    column_dropped => "ALTER TABLE items DROP COLUMN note",
    column_renamed => "ALTER TABLE logs RENAME COLUMN line TO message",
    type_changed => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, qty REAL NOT NULL DEFAULT 1 CHECK (qty >= 0), note TEXT")),
    made_nullable => items(&format!("{ID}, {OWNER}, name TEXT, {QTY}, note TEXT")),
    made_not_null => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, {QTY}, note TEXT NOT NULL")),
    default_added => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, {QTY}, note TEXT DEFAULT 'none'")),
    default_changed => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 5 CHECK (qty >= 0), note TEXT")),
    default_dropped => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty >= 0), note TEXT")),
    unique_added => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, {QTY}, note TEXT, UNIQUE (owner_id, name)")),
    check_added => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL CHECK (length(name) > 0), {QTY}, note TEXT")),
    check_dropped => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 1, note TEXT")),
    primary_key_changed => "CREATE TABLE pairs_new (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b));
        INSERT INTO pairs_new SELECT a, b FROM pairs; DROP TABLE pairs; ALTER TABLE pairs_new RENAME TO pairs;",
    foreign_key_added => logs("(id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners (id), line TEXT)", "id, owner_id, line"),
    foreign_key_dropped => items(&format!("{ID}, owner_id INTEGER NOT NULL, name TEXT NOT NULL, {QTY}, note TEXT")),
    foreign_key_action_changed => items(&format!("{ID}, owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE, name TEXT NOT NULL, {QTY}, note TEXT")),
    index_added => "CREATE INDEX items_by_qty ON items (qty)",
    index_dropped => "DROP INDEX items_by_name",
    index_made_unique => "DROP INDEX items_by_name; CREATE UNIQUE INDEX items_by_name ON items (name)",
    index_made_partial => "DROP INDEX items_by_name; CREATE INDEX items_by_name ON items (name) WHERE qty > 0",
    index_on_expression => "CREATE INDEX items_lower ON items (lower(name))",
    index_descending => "CREATE INDEX items_qty_desc ON items (qty DESC, name COLLATE NOCASE)",
    view_added => "CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 10",
    view_changed => "DROP VIEW owner_names; CREATE VIEW owner_names AS SELECT id, upper(name) AS name FROM owners",
    view_dropped => "DROP VIEW owner_names",
    trigger_added => "CREATE TRIGGER items_touch AFTER UPDATE OF qty ON items BEGIN UPDATE items SET note = 'changed' WHERE id = new.id; END",
    trigger_dropped => "DROP TRIGGER logs_guard",
    virtual_generated_column_added => "ALTER TABLE items ADD COLUMN double_qty INTEGER GENERATED ALWAYS AS (qty * 2) VIRTUAL",
    stored_generated_column_added => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL, {QTY}, note TEXT, total INTEGER GENERATED ALWAYS AS (qty * 10) STORED")),
    collation_changed => items(&format!("{ID}, {OWNER}, name TEXT NOT NULL COLLATE NOCASE, {QTY}, note TEXT")),
    made_strict => logs("(id INTEGER PRIMARY KEY, owner_id INTEGER, line TEXT) STRICT", "id, owner_id, line"),
    made_without_rowid => "CREATE TABLE pairs_new (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a)) WITHOUT ROWID;
        INSERT INTO pairs_new SELECT a, b FROM pairs; DROP TABLE pairs; ALTER TABLE pairs_new RENAME TO pairs;",
    columns_reordered => logs("(id INTEGER PRIMARY KEY, line TEXT, owner_id INTEGER)", "id, owner_id, line"),
    // A parent of a foreign key: its rebuild needs the foreign keys off.
    parent_table_rebuilt => "PRAGMA foreign_keys = OFF; DROP VIEW owner_names;
        CREATE TABLE owners_new (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL COLLATE NOCASE UNIQUE);
        INSERT INTO owners_new SELECT id, name FROM owners; DROP TABLE owners; ALTER TABLE owners_new RENAME TO owners;
        CREATE VIEW owner_names AS SELECT id, name FROM owners; PRAGMA foreign_keys = ON;",
    table_and_index_added => "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL); CREATE UNIQUE INDEX tags_label ON tags (label)",
    several_changes => "ALTER TABLE items ADD COLUMN color TEXT; DROP INDEX items_by_name; DROP VIEW owner_names; CREATE TABLE tags (id INTEGER PRIMARY KEY)",
});
