-- AI personas: the voices the agent answers in.
CREATE TABLE personas (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           uuid NOT NULL,
    name         text NOT NULL,
    instructions text NOT NULL DEFAULT '',
    tone         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

-- A persona assigned to a session cannot be deleted: unassign it first, so
-- the change is in the session's event log.
ALTER TABLE sessions ADD FOREIGN KEY (workspace_id, assignee_persona_id)
    REFERENCES personas (workspace_id, id);

-- Knowledge-base articles, indexed for full-text search in their own
-- language (a text-search configuration such as english or french).
CREATE TABLE articles (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           uuid NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL,
    language     regconfig NOT NULL DEFAULT 'english',
    tags         text[] NOT NULL DEFAULT '{}',
    search       tsvector GENERATED ALWAYS AS (
                     setweight(to_tsvector(language, title), 'A') || setweight(to_tsvector(language, body), 'B')
                 ) STORED,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE INDEX articles_search_idx ON articles USING gin (search);
CREATE INDEX articles_created_idx ON articles (workspace_id, created_at DESC, id DESC);
