-- name: CreateWorkflowVersion :one
INSERT INTO workflow_versions (workspace_id, workflow_id, number, graph, settings, trigger_kind, note)
VALUES (@workspace_id, @workflow_id, @number, @graph, @settings, @trigger_kind, @note)
RETURNING *;

-- name: GetWorkflowVersion :one
SELECT * FROM workflow_versions
WHERE workspace_id = @workspace_id AND workflow_id = @workflow_id AND number = @number;

-- name: ListWorkflowVersions :many
-- Newest first; before_number 0 starts at the newest.
SELECT * FROM workflow_versions
WHERE workspace_id = @workspace_id AND workflow_id = @workflow_id
  AND (@before_number::integer = 0 OR number < @before_number)
ORDER BY number DESC
LIMIT @page_limit;
