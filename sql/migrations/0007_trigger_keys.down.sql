DROP TABLE workflow_trigger_keys;
DROP FUNCTION trigger_keys(text, jsonb);
