-- Workspaces are tenants; every other table carries workspace_id and no query
-- crosses workspaces.
CREATE TABLE workspaces (
    id             uuid PRIMARY KEY,
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name           text NOT NULL,
    -- Public key a browser widget uses to open sessions; not a secret.
    public_key     text NOT NULL UNIQUE,
    -- Signs outgoing webhooks (HMAC-SHA256).
    webhook_secret text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- API tokens for backends. The secret is shown once; only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    -- First characters of the secret, to recognise a token in listings.
    prefix       text NOT NULL,
    secret_hash  bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE INDEX api_tokens_workspace_idx ON api_tokens (workspace_id, created_at);
