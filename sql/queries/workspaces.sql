-- name: CreateWorkspace :one
INSERT INTO workspaces (id, slug, name, public_key, webhook_secret)
VALUES (@id, @slug, @name, @public_key, @webhook_secret)
RETURNING *;

-- name: GetWorkspaceBySlug :one
SELECT * FROM workspaces WHERE slug = @slug;

-- name: GetWorkspaceByPublicKey :one
SELECT * FROM workspaces WHERE public_key = @public_key;

-- name: GetWorkspace :one
SELECT * FROM workspaces WHERE id = @id;
