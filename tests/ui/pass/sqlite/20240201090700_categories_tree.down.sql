DROP VIEW category_paths;
DROP TABLE categories;
