-- name: CreateAPIToken :one
INSERT INTO api_tokens (id, workspace_id, name, prefix, secret_hash, scopes)
VALUES (@id, @workspace_id, @name, @prefix, @secret_hash, @scopes)
ON CONFLICT (secret_hash) DO NOTHING
RETURNING *;

-- name: GetAPITokenBySecretHash :one
SELECT * FROM api_tokens WHERE secret_hash = @secret_hash;

-- name: ListAPITokens :many
SELECT * FROM api_tokens
WHERE workspace_id = @workspace_id
ORDER BY created_at, id;

-- name: RevokeAPIToken :one
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
WHERE workspace_id = @workspace_id AND id = @id
RETURNING *;
