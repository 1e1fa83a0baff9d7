-- The batched statements that join their rows to a table read them with
-- jsonb_array_elements and jsonb_to_record, for which the planner probes
-- the table's index (a memoized nested loop) without being told the array
-- is short. json_rows, which told it, cost about 30 µs a call: a SQL
-- function that is not inlined plans its body on every call.
DROP FUNCTION IF EXISTS json_rows(jsonb);
