package domain

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Scope is a permission an API token carries.
type Scope string

const (
	ScopeWorkflowsRead    Scope = "workflows:read"
	ScopeWorkflowsWrite   Scope = "workflows:write"
	ScopeWorkflowsTrigger Scope = "workflows:trigger"
	ScopeAgentTrigger     Scope = "agent:trigger"
	ScopeSessionsRead     Scope = "sessions:read"
	ScopeSessionsWrite    Scope = "sessions:write"
)

// AllScopes lists every scope, in display order.
var AllScopes = []Scope{
	ScopeWorkflowsRead, ScopeWorkflowsWrite, ScopeWorkflowsTrigger,
	ScopeAgentTrigger, ScopeSessionsRead, ScopeSessionsWrite,
}

// ValidScope reports whether s names a scope.
func ValidScope(s Scope) bool { return slices.Contains(AllScopes, s) }

// PrincipalKind tells who is calling.
type PrincipalKind int

const (
	// PrincipalAnonymous: no credentials (widget bootstrap with a public key).
	PrincipalAnonymous PrincipalKind = iota
	// PrincipalAPIToken: a backend with a Bearer API token.
	PrincipalAPIToken
	// PrincipalSession: a browser widget with a session token; it may touch
	// its own session only.
	PrincipalSession
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind        PrincipalKind
	WorkspaceID uuid.UUID
	// TokenID identifies the API token (PrincipalAPIToken).
	TokenID uuid.UUID
	Scopes  []Scope
	// SessionID is the only session a PrincipalSession may touch.
	SessionID uuid.UUID
}

// Has reports whether the principal carries the scope.
func (p Principal) Has(s Scope) bool { return slices.Contains(p.Scopes, s) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller stored in ctx; the zero Principal
// (anonymous) when there is none.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
