-- name: CreateWorkflow :one
INSERT INTO workflows (workspace_id, id, name, description, draft, settings, trigger_kind)
VALUES (@workspace_id, @id, @name, @description, @draft, @settings, @trigger_kind)
RETURNING *;

-- name: GetWorkflow :one
SELECT * FROM workflows WHERE workspace_id = @workspace_id AND id = @id;

-- name: DeleteWorkflow :execrows
DELETE FROM workflows WHERE workspace_id = @workspace_id AND id = @id;
