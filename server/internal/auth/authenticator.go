package auth

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// SessionTokenResolver resolves a widget's session token. The session
// package provides it; until one is set, session tokens are unknown.
type SessionTokenResolver interface {
	ResolveSessionToken(ctx context.Context, secretHash []byte) (domain.Principal, error)
}

// Authenticator turns an Authorization header into a Principal.
type Authenticator struct {
	store    *store.Store
	sessions SessionTokenResolver
}

// NewAuthenticator returns an Authenticator reading API tokens from st.
func NewAuthenticator(st *store.Store) *Authenticator {
	return &Authenticator{store: st}
}

// SetSessionTokenResolver plugs in the resolver for session tokens.
func (a *Authenticator) SetSessionTokenResolver(r SessionTokenResolver) { a.sessions = r }

var errUnknownToken = &domain.Error{Kind: domain.KindUnauthenticated, Message: "unknown or revoked token"}

// Authenticate resolves the value of an Authorization header. An empty
// header yields the anonymous principal; anything else must be a valid
// "Bearer <token>", or the error is KindUnauthenticated.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (domain.Principal, error) {
	if header == "" {
		return domain.Principal{Kind: domain.PrincipalAnonymous}, nil
	}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return domain.Principal{}, &domain.Error{Kind: domain.KindUnauthenticated, Message: `Authorization header must be "Bearer <token>"`}
	}
	secret = strings.TrimSpace(secret)
	switch {
	case strings.HasPrefix(secret, sessionTokenPrefix):
		if a.sessions == nil {
			return domain.Principal{}, errUnknownToken
		}
		p, err := a.sessions.ResolveSessionToken(ctx, HashSecret(secret))
		if domain.KindOf(err) == domain.KindNotFound {
			return domain.Principal{}, errUnknownToken
		}
		return p, err
	default:
		t, err := a.store.APITokenBySecretHash(ctx, HashSecret(secret))
		if domain.KindOf(err) == domain.KindNotFound {
			return domain.Principal{}, errUnknownToken
		}
		if err != nil {
			return domain.Principal{}, err
		}
		if t.RevokedAt != nil {
			return domain.Principal{}, errUnknownToken
		}
		return domain.Principal{
			Kind: domain.PrincipalAPIToken, WorkspaceID: t.WorkspaceID, TokenID: t.ID, Scopes: t.Scopes,
		}, nil
	}
}
