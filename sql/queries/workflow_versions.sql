-- name: CreateWorkflowVersion :one
INSERT INTO workflow_versions (workspace_id, workflow_id, number, graph, settings, trigger_kind, note)
VALUES (@workspace_id, @workflow_id, @number, @graph, @settings, @trigger_kind, @note)
RETURNING *;

-- name: AddWorkflowTriggerKeys :exec
-- Records the keys of a new version's trigger (migration 0007).
INSERT INTO workflow_trigger_keys (workspace_id, trigger_kind, key, workflow_id, number)
SELECT @workspace_id, @trigger_kind::text, k, @workflow_id, @number
FROM trigger_keys(@trigger_kind::text, @graph::jsonb) AS k
WHERE @trigger_kind::text <> '';

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
