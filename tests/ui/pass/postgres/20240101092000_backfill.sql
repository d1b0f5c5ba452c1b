-- no-transaction
DO $backfill$
DECLARE
    batch integer := 0;
BEGIN
    LOOP
        UPDATE orders SET tags = array_append(tags, 'legacy')
        WHERE id IN (SELECT id FROM orders WHERE NOT 'legacy' = ANY (tags) LIMIT 1000);
        EXIT WHEN NOT FOUND;
        batch := batch + 1;
        COMMIT;
    END LOOP;
    RAISE NOTICE 'backfilled % batches', batch;
END
$backfill$;
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue;
VACUUM (ANALYZE) orders;
