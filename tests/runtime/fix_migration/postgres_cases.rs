//! The PostgreSQL corpus: each kind of change made by hand to a migrated database.

use super::fix_cases;

/// The set each case starts from, with rows.
const BASE: &str = "
CREATE SCHEMA audit;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE ticket_seq START 100;
CREATE TABLE owners (id integer PRIMARY KEY, name varchar(50) NOT NULL UNIQUE);
CREATE TABLE items (
    id integer PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES owners (id) ON DELETE RESTRICT,
    name text NOT NULL,
    qty integer NOT NULL DEFAULT 1 CHECK (qty >= 0),
    tags text[] NOT NULL DEFAULT '{}',
    feeling mood,
    note text
);
CREATE TABLE logs (id integer PRIMARY KEY, owner_id integer, line text);
CREATE TABLE pairs (a integer NOT NULL, b integer NOT NULL, PRIMARY KEY (a));
CREATE TABLE audit.events (id bigint PRIMARY KEY, what text);
CREATE INDEX items_by_name ON items (name);
CREATE VIEW owner_names AS SELECT id, name FROM owners;
CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER logs_guard BEFORE UPDATE ON logs FOR EACH ROW EXECUTE FUNCTION keep();
INSERT INTO owners VALUES (1, 'ann');
INSERT INTO items VALUES (1, 1, 'pen', 2, '{blue}', 'ok', 'blue');
INSERT INTO logs VALUES (1, 1, 'started');
INSERT INTO pairs VALUES (1, 2);
";

fix_cases!(crate::support::pg::Db, BASE, {
    table_added => "CREATE TABLE tags (id integer PRIMARY KEY, label text NOT NULL)",
    table_dropped => "DROP TABLE pairs",
    table_in_schema_added => "CREATE TABLE audit.notes (id integer PRIMARY KEY, body text)",
    column_added => "ALTER TABLE items ADD COLUMN color text DEFAULT 'red'",
    column_added_not_null => "ALTER TABLE items ADD COLUMN weight integer NOT NULL DEFAULT 0",
    column_dropped => "ALTER TABLE items DROP COLUMN note",
    type_changed => "ALTER TABLE items ALTER COLUMN qty TYPE bigint",
    type_of_viewed_column_changed => "DROP VIEW owner_names; ALTER TABLE owners ALTER COLUMN name TYPE varchar(80); CREATE VIEW owner_names AS SELECT id, name FROM owners",
    made_nullable => "ALTER TABLE items ALTER COLUMN name DROP NOT NULL",
    made_not_null => "ALTER TABLE items ALTER COLUMN note SET NOT NULL",
    default_added => "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'none'",
    default_changed => "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5",
    default_dropped => "ALTER TABLE items ALTER COLUMN qty DROP DEFAULT",
    default_from_sequence => "ALTER TABLE logs ALTER COLUMN id SET DEFAULT nextval('ticket_seq')",
    unique_added => "ALTER TABLE items ADD CONSTRAINT items_owner_name UNIQUE (owner_id, name)",
    unique_dropped => "ALTER TABLE owners DROP CONSTRAINT owners_name_key",
    check_added => "ALTER TABLE items ADD CONSTRAINT items_name_check CHECK (length(name) > 0)",
    check_dropped => "ALTER TABLE items DROP CONSTRAINT items_qty_check",
    primary_key_changed => "ALTER TABLE pairs DROP CONSTRAINT pairs_pkey; ALTER TABLE pairs ADD PRIMARY KEY (a, b)",
    foreign_key_added => "ALTER TABLE logs ADD CONSTRAINT logs_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE SET NULL",
    foreign_key_dropped => "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey",
    foreign_key_action_changed => "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey;
        ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE DEFERRABLE",
    index_added => "CREATE INDEX items_by_qty ON items (qty)",
    index_dropped => "DROP INDEX items_by_name",
    index_made_unique => "DROP INDEX items_by_name; CREATE UNIQUE INDEX items_by_name ON items (name)",
    index_made_partial => "DROP INDEX items_by_name; CREATE INDEX items_by_name ON items (name) WHERE qty > 0",
    index_on_expression => "CREATE INDEX items_lower ON items (lower(name) DESC NULLS LAST) INCLUDE (qty)",
    index_gin => "CREATE INDEX items_tags ON items USING gin (tags)",
    view_added => "CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 10",
    view_changed => "CREATE OR REPLACE VIEW owner_names AS SELECT id, name, length(name) AS size FROM owners",
    view_dropped => "DROP VIEW owner_names",
    materialized_view_added => "CREATE MATERIALIZED VIEW item_counts AS SELECT owner_id, count(*) AS n FROM items GROUP BY owner_id",
    trigger_added => "CREATE TRIGGER items_keep BEFORE UPDATE OF qty ON items FOR EACH ROW EXECUTE FUNCTION keep()",
    trigger_dropped => "DROP TRIGGER logs_guard ON logs",
    sequence_added => "CREATE SEQUENCE invoice_seq INCREMENT 10 START 1000",
    sequence_changed => "ALTER SEQUENCE ticket_seq INCREMENT 5 CACHE 10",
    sequence_dropped => "DROP SEQUENCE ticket_seq",
    enum_added => "CREATE TYPE color AS ENUM ('red', 'green')",
    enum_value_added => "ALTER TYPE mood ADD VALUE 'ecstatic'",
    enum_value_inserted => "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'",
    schema_added => "CREATE SCHEMA reports",
    schema_dropped => "DROP TABLE audit.events; DROP SCHEMA audit",
    generated_column_added => "ALTER TABLE items ADD COLUMN double_qty integer GENERATED ALWAYS AS (qty * 2) STORED",
    collation_changed => "ALTER TABLE items ALTER COLUMN name TYPE text COLLATE \"C\"",
    identity_added => "ALTER TABLE logs ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY",
    made_unlogged => "ALTER TABLE logs SET UNLOGGED",
    several_changes => "ALTER TABLE items ADD COLUMN color text; DROP INDEX items_by_name; DROP VIEW owner_names; CREATE TABLE tags (id integer PRIMARY KEY)",
});
