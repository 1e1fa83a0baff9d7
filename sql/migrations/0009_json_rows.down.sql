DROP FUNCTION IF EXISTS json_rows(jsonb);
