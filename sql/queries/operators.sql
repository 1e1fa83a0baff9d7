-- name: CreateOperator :one
INSERT INTO operators (workspace_id, id, name, email, available)
VALUES (@workspace_id, @id, @name, @email, @available)
RETURNING *;

-- name: GetOperator :one
SELECT * FROM operators WHERE workspace_id = @workspace_id AND id = @id;

-- name: ListOperators :many
SELECT * FROM operators WHERE workspace_id = @workspace_id ORDER BY name, id;

-- name: SetOperatorAvailability :one
UPDATE operators SET available = @available
WHERE workspace_id = @workspace_id AND id = @id
RETURNING *;
