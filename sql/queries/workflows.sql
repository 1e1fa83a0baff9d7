-- name: CreateWorkflow :one
INSERT INTO workflows (workspace_id, id, name, description, draft, settings, trigger_kind)
VALUES (@workspace_id, @id, @name, @description, @draft, @settings, @trigger_kind)
RETURNING *;

-- name: GetWorkflow :one
SELECT * FROM workflows WHERE workspace_id = @workspace_id AND id = @id;

-- name: LockSessionsToStart :many
-- Locks the sessions of starts (a JSON array of {workspace_id, session_id,
-- workflow_id}) as GetSessionForUpdate, in the order of their ids (so two
-- of these that share sessions cannot deadlock), and reads what each start
-- needs of its workflow (not its draft, which can be large and does not
-- run) and the guards of a run of it starting on the session: whether a
-- stop-workflow cooldown on the session has not ended yet, and how many of
-- its runs are unfinished (the per-session cap). A row for each start whose
-- session and workflow exist.
-- The starts are read one by one, as in UpdateSessions.
SELECT sqlc.embed(s), w.id AS workflow_id, w.status AS workflow_status, w.published_version, w.settings AS workflow_settings,
    EXISTS (
        SELECT 1 FROM runs c
        WHERE c.workspace_id = s.workspace_id AND c.session_id = s.id AND c.stop_until > now()
    ) AS in_cooldown,
    (
        SELECT count(*) FROM runs u
        WHERE u.workspace_id = s.workspace_id AND u.session_id = s.id
          AND u.status IN ('pending', 'running', 'waiting')
    )::bigint AS unfinished
FROM jsonb_array_elements(@starts::jsonb) AS e, jsonb_to_record(e) AS x (workspace_id uuid, session_id uuid, workflow_id uuid)
JOIN sessions s ON s.workspace_id = x.workspace_id AND s.id = x.session_id
JOIN workflows w ON w.workspace_id = x.workspace_id AND w.id = x.workflow_id
ORDER BY s.workspace_id, s.id
FOR UPDATE OF s;

-- name: DeleteWorkflow :execrows
DELETE FROM workflows WHERE workspace_id = @workspace_id AND id = @id;

-- name: GetWorkflowForUpdate :one
SELECT * FROM workflows WHERE workspace_id = @workspace_id AND id = @id FOR UPDATE;

-- name: UpdateWorkflowDraft :one
-- Replaces the draft (and optionally name and description) when the
-- revision matches (0 skips the check); no row means stale or missing.
UPDATE workflows SET
    draft        = @draft,
    settings     = @settings,
    trigger_kind = @trigger_kind,
    name         = coalesce(sqlc.narg('name'), name),
    description  = coalesce(sqlc.narg('description'), description),
    revision     = revision + 1,
    updated_at   = now()
WHERE workspace_id = @workspace_id AND id = @id
  AND (@expected_revision::bigint = 0 OR revision = @expected_revision)
RETURNING *;

-- name: SetWorkflowStatus :one
UPDATE workflows SET status = @status, updated_at = now()
WHERE workspace_id = @workspace_id AND id = @id
RETURNING *;

-- name: RecordWorkflowVersion :one
-- Counts a new version; when published it becomes the one that runs.
UPDATE workflows SET
    version_count     = @number,
    published_version = CASE WHEN @publish::bool THEN @number ELSE published_version END,
    published_at      = CASE WHEN @publish::bool THEN now() ELSE published_at END,
    status            = CASE WHEN @publish::bool THEN 'active' ELSE status END,
    updated_at        = now()
WHERE workspace_id = @workspace_id AND id = @id
RETURNING *;

-- name: ListWorkflowsByUpdated :many
SELECT * FROM workflows
WHERE workspace_id = @workspace_id
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY (@statuses::text[]))
  AND (@trigger_kind::text = '' OR trigger_kind = @trigger_kind)
  AND (@name_pattern::text = '' OR name ILIKE @name_pattern)
  AND (sqlc.narg('after_updated')::timestamptz IS NULL
       OR (updated_at, id) < (sqlc.narg('after_updated')::timestamptz, @after_id::uuid))
ORDER BY updated_at DESC, id DESC
LIMIT @page_limit;

-- name: ListWorkflowsByName :many
SELECT * FROM workflows
WHERE workspace_id = @workspace_id
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY (@statuses::text[]))
  AND (@trigger_kind::text = '' OR trigger_kind = @trigger_kind)
  AND (@name_pattern::text = '' OR name ILIKE @name_pattern)
  AND (sqlc.narg('after_name')::text IS NULL
       OR (lower(name), id) > (sqlc.narg('after_name')::text, @after_id::uuid))
ORDER BY lower(name), id
LIMIT @page_limit;

-- name: ListWorkflowsByExecutions :many
SELECT * FROM workflows
WHERE workspace_id = @workspace_id
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY (@statuses::text[]))
  AND (@trigger_kind::text = '' OR trigger_kind = @trigger_kind)
  AND (@name_pattern::text = '' OR name ILIKE @name_pattern)
  AND (sqlc.narg('after_executions')::bigint IS NULL
       OR (execution_count, id) < (sqlc.narg('after_executions')::bigint, @after_id::uuid))
ORDER BY execution_count DESC, id DESC
LIMIT @page_limit;
