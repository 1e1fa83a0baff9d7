-- name: CreatePersona :one
INSERT INTO personas (workspace_id, id, name, instructions, tone)
VALUES (@workspace_id, @id, @name, @instructions, @tone)
RETURNING *;

-- name: GetPersona :one
SELECT * FROM personas WHERE workspace_id = @workspace_id AND id = @id;

-- name: UpdatePersona :one
UPDATE personas SET name = @name, instructions = @instructions, tone = @tone, updated_at = now()
WHERE workspace_id = @workspace_id AND id = @id
RETURNING *;

-- name: ListPersonas :many
SELECT * FROM personas WHERE workspace_id = @workspace_id ORDER BY name, id;

-- name: DeletePersona :execrows
DELETE FROM personas WHERE workspace_id = @workspace_id AND id = @id;
