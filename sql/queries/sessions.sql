-- name: CreateSession :one
INSERT INTO sessions (workspace_id, id, channel, data, segments, visitor_name, visitor_email, visitor_phone, token_hash)
VALUES (@workspace_id, @id, @channel, @data, @segments, @visitor_name, @visitor_email, @visitor_phone, @token_hash)
RETURNING *;

-- name: GetSession :one
SELECT * FROM sessions WHERE workspace_id = @workspace_id AND id = @id;

-- name: GetSessionForUpdate :one
-- Locks the session: its writers take this lock, so its events are numbered
-- and committed one transaction at a time.
SELECT * FROM sessions WHERE workspace_id = @workspace_id AND id = @id FOR UPDATE;

-- name: GetSessionForUpdateSkipLocked :many
-- Locks the session unless another transaction holds it (no row then).
SELECT * FROM sessions WHERE workspace_id = @workspace_id AND id = @id FOR UPDATE SKIP LOCKED;

-- name: GetSessionByTokenHash :one
SELECT workspace_id, id FROM sessions WHERE token_hash = @token_hash;

-- name: GetSessionLastSequence :one
SELECT last_sequence FROM sessions WHERE workspace_id = @workspace_id AND id = @id;

-- name: SessionHeads :many
-- The newest sequence of each listed session (workspace_ids[i], ids[i]).
SELECT s.id, s.last_sequence FROM sessions s
WHERE (s.workspace_id, s.id) IN (SELECT unnest(@workspace_ids::uuid[]), unnest(@ids::uuid[]));

-- name: UpdateSession :exec
-- Writes a session's whole state after a change.
UPDATE sessions SET
    status               = @status,
    starred              = @starred,
    assignee_operator_id = @assignee_operator_id,
    assignee_persona_id  = @assignee_persona_id,
    labels               = @labels,
    segments             = @segments,
    data                 = @data,
    visitor_name         = @visitor_name,
    visitor_email        = @visitor_email,
    visitor_phone        = @visitor_phone,
    lead_stage           = @lead_stage,
    lead_amount_minor    = @lead_amount_minor,
    lead_created_at      = @lead_created_at,
    agent                = @agent,
    last_sequence        = @last_sequence,
    message_count        = @message_count,
    last_message_at      = @last_message_at,
    updated_at           = @updated_at
WHERE workspace_id = @workspace_id AND id = @id;

-- name: ListSessions :many
-- Newest first; the page continues after (after_created, after_id).
SELECT * FROM sessions
WHERE workspace_id = @workspace_id
  AND (@status::text = '' OR status = @status)
  AND (@channel::text = '' OR channel = @channel)
  AND (@label::text = '' OR labels @> ARRAY[@label::text])
  AND (sqlc.narg('operator_id')::uuid IS NULL OR assignee_operator_id = sqlc.narg('operator_id'))
  AND (sqlc.narg('persona_id')::uuid IS NULL OR assignee_persona_id = sqlc.narg('persona_id'))
  AND (sqlc.narg('after_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('after_created')::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @page_limit;
