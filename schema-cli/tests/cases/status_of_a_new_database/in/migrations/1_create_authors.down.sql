DROP INDEX authors_name_idx;
DROP TABLE authors;
