package domain

import (
	"time"

	"github.com/google/uuid"
)

// Workspace is a tenant. Everything else belongs to exactly one workspace.
type Workspace struct {
	ID   uuid.UUID
	Slug string
	Name string
	// PublicKey lets a browser widget open sessions; it is not a secret.
	PublicKey     string
	WebhookSecret string
	CreatedAt     time.Time
}

// APIToken is a backend credential. Its secret is never stored, only a hash.
type APIToken struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
	// Prefix is the start of the secret, to recognise a token in listings.
	Prefix    string
	Scopes    []Scope
	CreatedAt time.Time
	RevokedAt *time.Time
}
