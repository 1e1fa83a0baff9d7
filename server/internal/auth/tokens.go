package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// DefaultWorkspaceSlug names the workspace created on first start.
const DefaultWorkspaceSlug = "default"

// Tokens manages workspaces and their API tokens.
type Tokens struct {
	store *store.Store
}

// NewTokens returns a Tokens on st.
func NewTokens(st *store.Store) *Tokens { return &Tokens{store: st} }

// EnsureWorkspace returns the workspace with the slug, creating it (with a
// new public key and webhook secret) when it does not exist yet.
func (t *Tokens) EnsureWorkspace(ctx context.Context, slug string) (ws domain.Workspace, created bool, err error) {
	ws, err = t.store.WorkspaceBySlug(ctx, slug)
	if domain.KindOf(err) != domain.KindNotFound {
		return ws, false, err
	}
	ws, err = t.store.CreateWorkspace(ctx, domain.Workspace{
		ID: domain.NewID(), Slug: slug, Name: slug,
		PublicKey: newPublicKey(), WebhookSecret: randomString("whsec_", 32),
	})
	if domain.KindOf(err) == domain.KindConflict { // another replica won the race
		ws, err = t.store.WorkspaceBySlug(ctx, slug)
		return ws, false, err
	}
	return ws, err == nil, err
}

// ParseScopes parses a comma-separated scope list; "all" or "" means every
// scope.
func ParseScopes(s string) ([]domain.Scope, error) {
	if s == "" || s == "all" {
		return domain.AllScopes, nil
	}
	var out []domain.Scope
	for part := range strings.SplitSeq(s, ",") {
		sc := domain.Scope(strings.TrimSpace(part))
		if !domain.ValidScope(sc) {
			return nil, domain.Invalid("scopes", "unknown scope %q (known: %s)", sc, JoinScopes(domain.AllScopes))
		}
		out = append(out, sc)
	}
	return out, nil
}

// JoinScopes formats scopes as a comma-separated list.
func JoinScopes(scopes []domain.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// Create makes a new token and returns its secret, which is not stored and
// cannot be shown again.
func (t *Tokens) Create(ctx context.Context, workspaceID uuid.UUID, name string, scopes []domain.Scope) (domain.APIToken, string, error) {
	secret := NewAPISecret()
	tok, err := t.Register(ctx, workspaceID, name, scopes, secret)
	return tok, secret, err
}

// Register stores a token with a secret chosen by the operator (for example
// PARLEY_BOOTSTRAP_TOKEN). Registering the same secret again returns the
// existing token unchanged.
func (t *Tokens) Register(ctx context.Context, workspaceID uuid.UUID, name string, scopes []domain.Scope, secret string) (domain.APIToken, error) {
	if len(secret) < 16 {
		return domain.APIToken{}, domain.Invalid("token", "must be at least 16 characters")
	}
	if strings.HasPrefix(secret, sessionTokenPrefix) {
		return domain.APIToken{}, domain.Invalid("token", "must not start with %q (reserved for session tokens)", sessionTokenPrefix)
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return domain.APIToken{}, domain.Invalid("token", "must not contain whitespace")
	}
	tok, _, err := t.store.CreateAPIToken(ctx, domain.APIToken{
		ID: domain.NewID(), WorkspaceID: workspaceID, Name: name, Prefix: displayPrefix(secret), Scopes: scopes,
	}, HashSecret(secret))
	if err != nil {
		return domain.APIToken{}, err
	}
	if tok.WorkspaceID != workspaceID {
		return domain.APIToken{}, fmt.Errorf("token secret already registered in another workspace")
	}
	return tok, nil
}

// List returns the workspace's tokens, revoked ones included.
func (t *Tokens) List(ctx context.Context, workspaceID uuid.UUID) ([]domain.APIToken, error) {
	return t.store.APITokens(ctx, workspaceID)
}

// Revoke revokes a token by id or by the start of its secret (its prefix as
// listed); KindNotFound when nothing in the workspace matches.
func (t *Tokens) Revoke(ctx context.Context, workspaceID uuid.UUID, idOrPrefix string) (domain.APIToken, error) {
	if id, err := uuid.Parse(idOrPrefix); err == nil {
		return t.store.RevokeAPIToken(ctx, workspaceID, id)
	}
	toks, err := t.store.APITokens(ctx, workspaceID)
	if err != nil {
		return domain.APIToken{}, err
	}
	var match []domain.APIToken
	for _, tok := range toks {
		if tok.Prefix == idOrPrefix {
			match = append(match, tok)
		}
	}
	switch len(match) {
	case 0:
		return domain.APIToken{}, domain.NotFound("API token", idOrPrefix)
	case 1:
		return t.store.RevokeAPIToken(ctx, workspaceID, match[0].ID)
	default:
		return domain.APIToken{}, domain.Errorf(domain.KindInvalid, "%d tokens start with %s: revoke by id", len(match), idOrPrefix)
	}
}
