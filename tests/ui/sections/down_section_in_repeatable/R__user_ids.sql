-- migrate:up
CREATE VIEW user_ids AS SELECT 1 AS id;

-- migrate:down
DROP VIEW user_ids;
