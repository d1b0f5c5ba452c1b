-- Not judged: the chain stopped at 3_seed.sql, so this would be judged against a schema the
-- migrations do not produce.
INSERT INTO nowhere VALUES (1);
