package auth

import (
	"context"
	"strings"
	"sync"

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
	tokens   tokenCache
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
		t, err := a.apiToken(ctx, HashSecret(secret))
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

// apiToken returns the token whose secret hashes to h, from the cache when
// it holds it.
func (a *Authenticator) apiToken(ctx context.Context, h []byte) (domain.APIToken, error) {
	t, gen, ok := a.tokens.get(h)
	if ok {
		return t, nil
	}
	t, err := a.store.APITokenBySecretHash(ctx, h)
	if err == nil && t.RevokedAt == nil {
		a.tokens.put(h, t, gen)
	}
	return t, err
}

// Watch keeps API tokens cached, and forgets them as they are revoked (on
// any replica, or by the token command), until ctx ends: a request then
// does not read its token from the database. A revoked token is refused
// once the revocation's notification arrives, moments after it commits.
// Without Watch, or while its connection is lost, nothing is cached.
func (a *Authenticator) Watch(ctx context.Context) {
	a.store.Listen(ctx, store.APITokensChannel,
		func(string) { a.tokens.reset(true) },
		func() { a.tokens.reset(true) },
		func() { a.tokens.reset(false) })
}

// tokenCache holds valid API tokens by the hash of their secret.
type tokenCache struct {
	mu sync.Mutex
	// on: the revocations' notifications are being heard.
	on bool
	// gen counts resets, so that a token read from the database before a
	// revocation was heard is not cached after it.
	gen    uint64
	tokens map[string]domain.APIToken
}

// get returns the token cached for h, if any, and the generation to put
// it with once read.
func (c *tokenCache) get(h []byte) (domain.APIToken, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[string(h)]
	return t, c.gen, ok
}

// put caches t, read when the generation was gen, unless the cache was
// reset since or is off.
func (c *tokenCache) put(h []byte, t domain.APIToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if c.tokens == nil {
		c.tokens = map[string]domain.APIToken{}
	}
	c.tokens[string(h)] = t
}

// reset forgets every token, and turns caching on or off.
func (c *tokenCache) reset(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = on
	c.gen++
	c.tokens = nil
}
