-- migrate:up transaction:never
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);

-- migrate:down
DROP TABLE users;
