-- schema: fast
SELECT 1;
