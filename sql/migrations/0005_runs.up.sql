-- Workflow runs and their steps. A run executes one workflow version (or, in
-- test mode, a snapshot of the draft) on one session. Execution is carried by
-- River jobs (parley_run_advance); timers (delays, wait timeouts, retry
-- backoff) are wake_at on the run, promoted to a job when due.
CREATE TABLE runs (
    workspace_id    uuid NOT NULL,
    id              uuid NOT NULL,
    workflow_id     uuid NOT NULL,
    -- 0 when the run executes a draft snapshot (test and manual runs only).
    version         integer NOT NULL CHECK (version >= 0),
    session_id      uuid NOT NULL,
    mode            text NOT NULL CHECK (mode IN ('production', 'test', 'manual')),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
    -- Trigger kind that started the run, e.g. 'programmatic', 'label_added'.
    trigger         text NOT NULL,
    trigger_data    jsonb NOT NULL DEFAULT '{}',
    -- Run variables: key -> string, number or boolean.
    variables       jsonb NOT NULL DEFAULT '{}',
    -- parley.workflow.v1.Graph of a draft run; NULL runs the version's graph.
    graph           jsonb,
    current_node_id text NOT NULL DEFAULT '',
    -- Index of the next step row.
    step_count      integer NOT NULL DEFAULT 0,
    -- Bumped whenever the run is handed to a new job; a job whose epoch is
    -- stale does nothing, so a timer that lost the race to an event (or a
    -- cancelled run's timer) never acts.
    epoch           bigint NOT NULL DEFAULT 0,
    -- What a waiting run waits for, and the answer once it came.
    wait            jsonb,
    -- When a waiting run wakes on its own (delay end, wait timeout, retry).
    wake_at         timestamptz,
    -- Attempts made by the current external call (fetch API, webhook).
    call_attempt    integer NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    -- How many runs caused this one through their events.
    depth           integer NOT NULL DEFAULT 0 CHECK (depth >= 0),
    cause_run_id    uuid,
    -- Test runs: delays and wait timeouts fire at once.
    fast_forward    boolean NOT NULL DEFAULT false,
    -- Set by a stop-workflow step: no workflow starts on the session before.
    stop_until      timestamptz,
    idempotency_key text,
    request_hash    bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, workflow_id) REFERENCES workflows (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX runs_created_idx ON runs (workspace_id, created_at DESC, id DESC);
CREATE INDEX runs_workflow_idx ON runs (workspace_id, workflow_id, created_at DESC, id DESC);
CREATE INDEX runs_session_idx ON runs (workspace_id, session_id, workflow_id);
-- Runs that are not finished, per session (concurrency cap, waits).
CREATE INDEX runs_session_active_idx ON runs (workspace_id, session_id)
    WHERE status IN ('pending', 'running', 'waiting');
-- Due timers; a partial index keeps idle polling cheap however many wait.
CREATE INDEX runs_wake_idx ON runs (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX runs_stop_idx ON runs (workspace_id, session_id, stop_until) WHERE stop_until IS NOT NULL;
CREATE UNIQUE INDEX runs_idempotency_idx ON runs (workspace_id, workflow_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE run_steps (
    workspace_id uuid NOT NULL,
    run_id       uuid NOT NULL,
    index        integer NOT NULL CHECK (index >= 0),
    node_id      text NOT NULL,
    kind         text NOT NULL,
    status       text NOT NULL CHECK (status IN ('completed', 'failed', 'waiting', 'skipped')),
    input        jsonb NOT NULL DEFAULT '{}',
    output       jsonb NOT NULL DEFAULT '{}',
    -- []parley.workflow.v1.ConditionResult in protojson.
    conditions   jsonb NOT NULL DEFAULT '[]',
    port         text NOT NULL DEFAULT '',
    error        text NOT NULL DEFAULT '',
    attempt      integer NOT NULL DEFAULT 1,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    PRIMARY KEY (workspace_id, run_id, index),
    FOREIGN KEY (workspace_id, run_id) REFERENCES runs (workspace_id, id) ON DELETE CASCADE
);

-- Which operator round-robin assignment gave a conversation to last.
CREATE TABLE assignment_cursors (
    workspace_id     uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    last_operator_id uuid NOT NULL
);

-- Event-to-trigger matching reads the active workflows of a workspace.
CREATE INDEX workflows_active_idx ON workflows (workspace_id) WHERE status = 'active';
