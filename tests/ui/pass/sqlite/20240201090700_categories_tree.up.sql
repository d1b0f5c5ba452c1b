CREATE TABLE categories (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES categories (id),
    name      TEXT NOT NULL
);

CREATE VIEW category_paths AS
WITH RECURSIVE tree (id, path, depth) AS (
    SELECT id, name, 0 FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, tree.path || ' / ' || c.name, tree.depth + 1
    FROM categories c JOIN tree ON c.parent_id = tree.id
)
SELECT id, path, depth FROM tree;
