-- The store writes and locks rows in batches, sent as one JSON array per
-- statement. Where such a statement joins the array's rows to a table, the
-- planner must know the array is short: jsonb_to_recordset is estimated at
-- 100 rows, for which a hash join over a sequential scan of a table of a
-- few thousand rows looks cheaper than one index probe per row, and costs
-- milliseconds. json_rows is estimated at 8. It is STRICT so that it is
-- not inlined, which would bring the estimate of 100 back.
CREATE OR REPLACE FUNCTION json_rows(rows jsonb) RETURNS SETOF jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 8
    AS 'SELECT jsonb_array_elements(rows)';
