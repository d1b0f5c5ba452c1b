CREATE FUNCTION account_orders(p_account bigint)
RETURNS TABLE (order_id uuid, placed_at timestamptz, total_cents bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT id, placed_at, total_cents FROM orders WHERE account_id = p_account ORDER BY placed_at DESC
$$;

CREATE FUNCTION order_count(p_account bigint) RETURNS bigint
LANGUAGE sql STABLE
RETURN (SELECT count(*) FROM orders WHERE account_id = p_account);

CREATE PROCEDURE archive_orders(before timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orders WHERE placed_at < before AND status = 'shipped';
    COMMIT;
END;
$$;
