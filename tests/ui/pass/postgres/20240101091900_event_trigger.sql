CREATE OR REPLACE FUNCTION forbid_drop_table() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
    obj record;
BEGIN
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF obj.object_type = 'table' AND obj.schema_name = 'public' THEN
            RAISE EXCEPTION 'dropping % is not allowed', obj.object_identity;
        END IF;
    END LOOP;
END;
$$;
CREATE EVENT TRIGGER no_drop_table ON sql_drop EXECUTE FUNCTION forbid_drop_table();
