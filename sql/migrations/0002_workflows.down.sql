DROP TABLE workflow_versions;
DROP TABLE workflows;
