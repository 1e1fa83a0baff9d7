-- Starting a run records its execution here instead of updating its
-- workflow's and version's execution_count: every run of a busy workflow
-- would otherwise wait on that one row until the run's transaction
-- commits. FoldExecutionCounts moves these rows into the counts (every
-- second, and before the counts are read).
CREATE TABLE workflow_execution_deltas (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid NOT NULL,
    workflow_id  uuid NOT NULL,
    version      integer NOT NULL
);
