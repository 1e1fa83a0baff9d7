DROP TABLE workflow_execution_deltas;
