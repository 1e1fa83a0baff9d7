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
-- The newest sequence of each listed session (workspace_ids[i], ids[i])
-- that exists, with its position i in the lists (from 1).
SELECT x.position::int AS position, s.last_sequence
FROM generate_subscripts(@ids::uuid[], 1) AS x(position)
JOIN sessions s ON s.workspace_id = (@workspace_ids::uuid[])[x.position] AND s.id = (@ids::uuid[])[x.position];

-- name: UpdateSessions :exec
-- Writes the whole state of sessions (a JSON array of sessions rows, at
-- most one per session) after changes.
-- The rows are read one by one (jsonb_array_elements, then jsonb_to_record):
-- so the planner probes the sessions' index for them. Read as one
-- jsonb_to_recordset, estimated at 100 rows, they would be hash-joined over
-- a sequential scan of sessions.
UPDATE sessions s SET
    status               = x.status,
    starred              = x.starred,
    assignee_operator_id = x.assignee_operator_id,
    assignee_persona_id  = x.assignee_persona_id,
    labels               = x.labels,
    segments             = x.segments,
    data                 = x.data,
    visitor_name         = x.visitor_name,
    visitor_email        = x.visitor_email,
    visitor_phone        = x.visitor_phone,
    lead_stage           = x.lead_stage,
    lead_amount_minor    = x.lead_amount_minor,
    lead_created_at      = x.lead_created_at,
    agent                = x.agent,
    last_sequence        = x.last_sequence,
    message_count        = x.message_count,
    last_message_at      = x.last_message_at,
    updated_at           = x.updated_at
FROM jsonb_array_elements(@sessions::jsonb) AS e, jsonb_to_record(e) AS x (
    workspace_id uuid, id uuid, status text, starred boolean, assignee_operator_id uuid, assignee_persona_id uuid,
    labels text[], segments text[], data jsonb, visitor_name text, visitor_email text, visitor_phone text,
    lead_stage text, lead_amount_minor bigint, lead_created_at timestamptz, agent jsonb, last_sequence bigint,
    message_count bigint, last_message_at timestamptz, updated_at timestamptz)
WHERE s.workspace_id = x.workspace_id AND s.id = x.id;

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
