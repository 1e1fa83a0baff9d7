-- Operators: team members that conversations are assigned to.
CREATE TABLE operators (
    workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id               uuid NOT NULL,
    name             text NOT NULL,
    email            text NOT NULL,
    available        boolean NOT NULL DEFAULT true,
    -- When the operator was last picked by round-robin assignment.
    last_assigned_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, email)
);

-- Sessions (conversations). The row is the current state; session_events is
-- the log of every change, and last_sequence the newest entry in it.
CREATE TABLE sessions (
    workspace_id         uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id                   uuid NOT NULL,
    channel              text NOT NULL,
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    starred              boolean NOT NULL DEFAULT false,
    assignee_operator_id uuid,
    assignee_persona_id  uuid,
    labels               text[] NOT NULL DEFAULT '{}',
    segments             text[] NOT NULL DEFAULT '{}',
    -- Custom data: key -> string, number or boolean.
    data                 jsonb NOT NULL DEFAULT '{}',
    visitor_name         text NOT NULL DEFAULT '',
    visitor_email        text NOT NULL DEFAULT '',
    visitor_phone        text NOT NULL DEFAULT '',
    -- The lead exists when lead_stage is set.
    lead_stage           text,
    lead_amount_minor    bigint NOT NULL DEFAULT 0,
    lead_created_at      timestamptz,
    -- parley.session.v1.AgentState in protojson.
    agent                jsonb NOT NULL DEFAULT '{}',
    last_sequence        bigint NOT NULL DEFAULT 0,
    message_count        bigint NOT NULL DEFAULT 0,
    -- SHA-256 of the widget's session token; NULL for sessions made by a backend.
    token_hash           bytea UNIQUE,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    last_message_at      timestamptz,
    PRIMARY KEY (workspace_id, id),
    CHECK (assignee_operator_id IS NULL OR assignee_persona_id IS NULL),
    FOREIGN KEY (workspace_id, assignee_operator_id) REFERENCES operators (workspace_id, id)
);

CREATE INDEX sessions_created_idx ON sessions (workspace_id, created_at DESC, id DESC);
CREATE INDEX sessions_labels_idx ON sessions USING gin (labels);

-- The event log. sequence is gap-free per session: writers take the session
-- row lock, so events of one session commit in sequence order. xid is the
-- writing transaction, which orders the workspace stream (see
-- ListWorkspaceEventsAfter).
CREATE TABLE session_events (
    workspace_id uuid NOT NULL,
    session_id   uuid NOT NULL,
    sequence     bigint NOT NULL CHECK (sequence > 0),
    id           bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    -- The writing transaction's id (pg_current_xact_id), as a number.
    xid          bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    -- Name of the payload field, e.g. 'message' or 'label_added'.
    kind         text NOT NULL,
    actor        text NOT NULL,
    operator_id  uuid,
    cause_run_id uuid,
    -- For a button choice or input answer: the sequence of the picker or
    -- request it answers.
    reply_to     bigint,
    -- parley.session.v1.SessionEvent in protojson, holding only the payload.
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, session_id, sequence),
    FOREIGN KEY (workspace_id, session_id) REFERENCES sessions (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX session_events_workspace_idx ON session_events (workspace_id, xid, id);
CREATE UNIQUE INDEX session_events_reply_idx ON session_events (workspace_id, session_id, reply_to)
    WHERE reply_to IS NOT NULL;

-- Wakes the streams of every replica: the notification names the workspace,
-- session and sequence of each committed event. It is only a wake-up; readers
-- take the events from the table.
CREATE FUNCTION parley_notify_session_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parley_session_events',
        NEW.workspace_id::text || ' ' || NEW.session_id::text || ' ' || NEW.sequence::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER session_events_notify AFTER INSERT ON session_events
FOR EACH ROW EXECUTE FUNCTION parley_notify_session_event();
