-- schema: no-check
-- Run by hand with psql: the meta-commands are not SQL, so the file opts out.
\set ON_ERROR_STOP on
SELECT 1;
