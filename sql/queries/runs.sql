-- name: InsertRuns :exec
-- Inserts runs (a JSON array of runs rows) in any state: new ones, or ones
-- that already ran steps in the transaction that started them (the store
-- then writes each once, in its state at the end). created_at is the
-- server clock's time when a run started, not the transaction's: runs
-- started in one transaction (a cascade) list in the order they started.
-- Runs that are not test runs record their executions too
-- (FoldExecutionCounts adds them to the counts), in the same statement.
WITH inserted AS (
    INSERT INTO runs (workspace_id, id, workflow_id, version, session_id, mode, status, trigger, trigger_data,
                      variables, graph, current_node_id, step_count, epoch, wait, wake_at, call_attempt, error,
                      depth, cause_run_id, fast_forward, stop_until, idempotency_key, request_hash,
                      created_at, started_at, finished_at, updated_at)
    SELECT x.workspace_id, x.id, x.workflow_id, x.version, x.session_id, x.mode, x.status, x.trigger, x.trigger_data,
           x.variables, x.graph, x.current_node_id, x.step_count, x.epoch, x.wait, x.wake_at, x.call_attempt, x.error,
           x.depth, x.cause_run_id, x.fast_forward, x.stop_until, x.idempotency_key, x.request_hash,
           x.created_at, x.started_at, x.finished_at, x.updated_at
    FROM jsonb_to_recordset(@runs::jsonb) AS x (
        workspace_id uuid, id uuid, workflow_id uuid, version integer, session_id uuid, mode text, status text,
        trigger text, trigger_data jsonb, variables jsonb, graph jsonb, current_node_id text, step_count integer,
        epoch bigint, wait jsonb, wake_at timestamptz, call_attempt integer, error text, depth integer,
        cause_run_id uuid, fast_forward boolean, stop_until timestamptz, idempotency_key text, request_hash bytea,
        created_at timestamptz, started_at timestamptz, finished_at timestamptz, updated_at timestamptz)
    RETURNING workspace_id, workflow_id, version, mode
)
INSERT INTO workflow_execution_deltas (workspace_id, workflow_id, version)
SELECT workspace_id, workflow_id, version FROM inserted WHERE mode <> 'test';

-- name: GetRun :one
SELECT * FROM runs WHERE workspace_id = @workspace_id AND id = @id;

-- name: GetRunForUpdate :one
SELECT * FROM runs WHERE workspace_id = @workspace_id AND id = @id FOR UPDATE;

-- name: GetRunByIdempotencyKey :one
SELECT * FROM runs
WHERE workspace_id = @workspace_id AND workflow_id = @workflow_id AND idempotency_key = @idempotency_key;

-- name: UpdateRun :exec
-- Writes a run's execution state.
UPDATE runs SET
    status          = @status,
    variables       = @variables,
    current_node_id = @current_node_id,
    step_count      = @step_count,
    epoch           = @epoch,
    wait            = @wait,
    wake_at         = @wake_at,
    call_attempt    = @call_attempt,
    error           = @error,
    stop_until      = @stop_until,
    started_at      = @started_at,
    finished_at     = @finished_at,
    updated_at      = @updated_at
WHERE workspace_id = @workspace_id AND id = @id;

-- name: ListRuns :many
-- Newest first; the page continues after (after_created, after_id).
SELECT * FROM runs
WHERE workspace_id = @workspace_id
  AND (sqlc.narg('workflow_id')::uuid IS NULL OR workflow_id = sqlc.narg('workflow_id'))
  AND (sqlc.narg('session_id')::uuid IS NULL OR session_id = sqlc.narg('session_id'))
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY (@statuses::text[]))
  AND (@mode::text = '' OR mode = @mode)
  AND (sqlc.narg('created_after')::timestamptz IS NULL OR created_at >= sqlc.narg('created_after'))
  AND (sqlc.narg('created_before')::timestamptz IS NULL OR created_at < sqlc.narg('created_before'))
  AND (sqlc.narg('after_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('after_created')::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @page_limit;

-- name: SessionHasRunOf :one
SELECT EXISTS (
    SELECT 1 FROM runs
    WHERE workspace_id = @workspace_id AND session_id = @session_id AND workflow_id = @workflow_id
      AND mode = 'production');

-- name: WaitingSessionRuns :many
-- The runs of a session that wait for a visitor event, locked, oldest first.
SELECT * FROM runs
WHERE workspace_id = @workspace_id AND session_id = @session_id AND status = 'waiting'
  AND wait IS NOT NULL AND wait->>'kind' <> 'delay' AND wait->>'kind' <> 'retry'
ORDER BY created_at, id
FOR UPDATE;

-- name: ClaimDueRuns :many
-- Due timers, locked so that one replica fires each.
SELECT * FROM runs
WHERE wake_at <= now()
ORDER BY wake_at
LIMIT @max_runs
FOR UPDATE SKIP LOCKED;

-- name: ActiveWorkflowVersions :many
-- The published versions of the active workflows whose trigger is kind and
-- whose trigger keys hold the event's key or '' (any). The keys are looked
-- up first (materialized), so the plan stays an index lookup even before
-- the statistics know how many workflows a workspace has.
WITH k AS MATERIALIZED (
    SELECT t.workflow_id, t.number FROM workflow_trigger_keys t
    WHERE t.workspace_id = @workspace_id AND t.trigger_kind = @trigger_kind::text AND t.key IN ('', @key::text)
)
SELECT w.id AS workflow_id, w.name, v.number, v.graph, v.settings
FROM k
JOIN workflows w
  ON w.workspace_id = @workspace_id AND w.id = k.workflow_id AND w.published_version = k.number
JOIN workflow_versions v
  ON v.workspace_id = @workspace_id AND v.workflow_id = k.workflow_id AND v.number = k.number
WHERE w.status = 'active'
ORDER BY w.created_at, w.id;

-- name: LockExecutionCounts :exec
-- Folds run one at a time (transaction-scoped), so two never update the
-- same workflows in different orders.
SELECT pg_advisory_xact_lock(7366410983215063136);

-- name: FoldExecutionCounts :execrows
-- Adds the recorded executions to the workflows' and versions' counts and
-- removes them, in one statement.
WITH d AS (
    DELETE FROM workflow_execution_deltas
    RETURNING workspace_id, workflow_id, version
), per_version AS (
    SELECT d.workspace_id, d.workflow_id, d.version, count(*) AS n FROM d GROUP BY 1, 2, 3
), w AS (
    UPDATE workflows SET execution_count = workflows.execution_count + t.n
    FROM (SELECT p.workspace_id, p.workflow_id, sum(p.n)::bigint AS n FROM per_version p GROUP BY 1, 2) t
    WHERE workflows.workspace_id = t.workspace_id AND workflows.id = t.workflow_id
)
UPDATE workflow_versions SET execution_count = workflow_versions.execution_count + p.n
FROM per_version p
WHERE workflow_versions.workspace_id = p.workspace_id AND workflow_versions.workflow_id = p.workflow_id
  AND workflow_versions.number = p.version;

-- name: UpsertRunSteps :exec
-- Inserts steps (a JSON array of run_steps rows, of any runs, at most one
-- row per step) in one statement. A step that waited gets how it ended and
-- keeps its input, its start and what it recorded when it began (output
-- keys the end does not set, notes before the end's).
INSERT INTO run_steps (workspace_id, run_id, index, node_id, kind, status, input, output, conditions,
                       port, error, attempt, started_at, finished_at)
SELECT s.workspace_id, s.run_id, s.index, s.node_id, s.kind, s.status, s.input, s.output, s.conditions,
       s.port, s.error, s.attempt, s.started_at, s.finished_at
FROM jsonb_to_recordset(@steps::jsonb) AS s (
    workspace_id uuid, run_id uuid, index integer, node_id text, kind text, status text, input jsonb, output jsonb,
    conditions jsonb, port text, error text, attempt integer, started_at timestamptz, finished_at timestamptz)
ON CONFLICT (workspace_id, run_id, index) DO UPDATE SET
    status      = excluded.status,
    output      = run_steps.output || excluded.output,
    conditions  = excluded.conditions,
    port        = excluded.port,
    error       = concat_ws('; ', nullif(run_steps.error, ''), nullif(excluded.error, '')),
    attempt     = excluded.attempt,
    finished_at = excluded.finished_at;

-- name: ListRunSteps :many
SELECT * FROM run_steps WHERE workspace_id = @workspace_id AND run_id = @run_id ORDER BY index;

-- name: AvailableOperatorsAfter :many
-- Available operators in round-robin order, starting after the last one
-- given a conversation (wrapping around).
SELECT o.* FROM operators o
WHERE o.workspace_id = @workspace_id AND o.available
ORDER BY (o.created_at, o.id) <= coalesce(
    (SELECT (p.created_at, p.id) FROM operators p
     JOIN assignment_cursors c ON c.workspace_id = p.workspace_id AND c.last_operator_id = p.id
     WHERE c.workspace_id = @workspace_id), ('-infinity'::timestamptz, '00000000-0000-0000-0000-000000000000'::uuid)),
    o.created_at, o.id;

-- name: LockAssignmentCursor :exec
-- Creates the workspace's cursor on first use and locks it either way.
INSERT INTO assignment_cursors (workspace_id, last_operator_id) VALUES (@workspace_id, @operator_id)
ON CONFLICT (workspace_id) DO UPDATE SET last_operator_id = assignment_cursors.last_operator_id;

-- name: SetAssignmentCursor :exec
UPDATE assignment_cursors SET last_operator_id = @operator_id WHERE workspace_id = @workspace_id;

-- name: LastRespondingOperator :one
SELECT operator_id FROM session_events
WHERE workspace_id = @workspace_id AND session_id = @session_id
  AND kind = 'message' AND actor = 'operator' AND operator_id IS NOT NULL
ORDER BY sequence DESC
LIMIT 1;

-- name: LastVisitorMessage :one
SELECT coalesce(payload->'message'->>'text', '')::text FROM session_events
WHERE workspace_id = @workspace_id AND session_id = @session_id AND kind = 'message' AND actor = 'visitor'
ORDER BY sequence DESC
LIMIT 1;

-- name: CountVisitorMessages :one
SELECT count(*) FROM session_events
WHERE workspace_id = @workspace_id AND session_id = @session_id AND kind = 'message' AND actor = 'visitor';
