-- schema: bogus
SELECT 1;
