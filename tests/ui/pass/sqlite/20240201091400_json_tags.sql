CREATE TABLE order_tags (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    tags     TEXT NOT NULL DEFAULT '[]' CHECK (json_type(tags) = 'array'),
    first    TEXT GENERATED ALWAYS AS (json_extract(tags, '$[0]')) VIRTUAL
);
CREATE INDEX order_tags_first_idx ON order_tags (first) WHERE first IS NOT NULL;
CREATE VIEW order_tag_rows AS
SELECT t.order_id, j.value AS tag FROM order_tags t, json_each(t.tags) j;
