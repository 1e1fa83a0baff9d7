-- name: InsertSessionEvents :exec
-- Inserts events (a JSON array of session_events rows). The function scan
-- reads the array in order, so their ids follow it.
INSERT INTO session_events (workspace_id, session_id, sequence, kind, actor, operator_id, cause_run_id, reply_to, payload, created_at)
SELECT e.workspace_id, e.session_id, e.sequence, e.kind, e.actor, e.operator_id, e.cause_run_id, e.reply_to, e.payload, e.created_at
FROM jsonb_to_recordset(@events::jsonb) AS e (
    workspace_id uuid, session_id uuid, sequence bigint, kind text, actor text, operator_id uuid, cause_run_id uuid,
    reply_to bigint, payload jsonb, created_at timestamptz);

-- name: GetSessionEvent :one
SELECT * FROM session_events
WHERE workspace_id = @workspace_id AND session_id = @session_id AND sequence = @sequence;

-- name: ListSessionEvents :many
SELECT * FROM session_events
WHERE workspace_id = @workspace_id AND session_id = @session_id AND sequence > @after_sequence
ORDER BY sequence
LIMIT @page_limit;

-- name: ListWorkspaceEvents :many
-- The workspace's events after a cursor, in (xid, id) order, and only those
-- written by transactions older than every transaction still running: a
-- transaction that commits later always sorts after what this returns, so a
-- reader resuming from the last cursor misses nothing.
SELECT * FROM session_events
WHERE workspace_id = @workspace_id
  AND (xid, id) > (@after_xid::bigint, @after_id::bigint)
  AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY xid, id
LIMIT @page_limit;

-- name: WorkspaceEventsHead :one
-- The cursor of the newest event a workspace stream can deliver now.
SELECT xid, id FROM session_events
WHERE workspace_id = @workspace_id
  AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY xid DESC, id DESC
LIMIT 1;

-- name: SessionEventAnswered :one
-- Whether a button picker or input request already has its answer.
SELECT EXISTS (
    SELECT 1 FROM session_events
    WHERE workspace_id = @workspace_id AND session_id = @session_id AND reply_to = @reply_to
);

-- name: SessionHasVisitorMessage :one
SELECT EXISTS (
    SELECT 1 FROM session_events
    WHERE workspace_id = @workspace_id AND session_id = @session_id AND kind = 'message' AND actor = 'visitor'
);

-- name: Notify :exec
-- Sends one notification.
SELECT pg_notify(@channel::text, @payload::text);

-- name: NotifyMany :exec
-- Sends several notifications on one channel.
SELECT pg_notify(@channel::text, p) FROM unnest(@payloads::text[]) AS p;
