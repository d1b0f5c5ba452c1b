-- migrate:down
DROP TABLE users;
