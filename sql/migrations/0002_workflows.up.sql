-- Workflow definitions: an editable draft and immutable numbered versions.
CREATE TABLE workflows (
    workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id                uuid NOT NULL,
    name              text NOT NULL,
    description       text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    -- parley.workflow.v1.Graph in protojson.
    draft             jsonb NOT NULL DEFAULT '{}',
    -- parley.workflow.v1.WorkflowSettings in protojson.
    settings          jsonb NOT NULL DEFAULT '{}',
    revision          bigint NOT NULL DEFAULT 1,
    -- Trigger kind of the draft, e.g. 'programmatic'; '' when it has none.
    trigger_kind      text NOT NULL DEFAULT '',
    published_version integer NOT NULL DEFAULT 0,
    version_count     integer NOT NULL DEFAULT 0,
    execution_count   bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    published_at      timestamptz,
    PRIMARY KEY (workspace_id, id)
);

CREATE INDEX workflows_updated_idx ON workflows (workspace_id, updated_at DESC, id);
CREATE INDEX workflows_name_idx ON workflows (workspace_id, lower(name), id);

CREATE TABLE workflow_versions (
    workspace_id    uuid NOT NULL,
    workflow_id     uuid NOT NULL,
    number          integer NOT NULL CHECK (number > 0),
    graph           jsonb NOT NULL,
    settings        jsonb NOT NULL DEFAULT '{}',
    trigger_kind    text NOT NULL DEFAULT '',
    note            text NOT NULL DEFAULT '',
    execution_count bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, workflow_id, number),
    FOREIGN KEY (workspace_id, workflow_id) REFERENCES workflows (workspace_id, id) ON DELETE CASCADE
);
