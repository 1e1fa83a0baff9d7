DROP INDEX workflows_active_idx;
DROP TABLE assignment_cursors;
DROP TABLE run_steps;
DROP TABLE runs;
