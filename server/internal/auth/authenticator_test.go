package auth

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/store"
)

// A watching authenticator answers from its cache of tokens, forgets a
// token when it is revoked anywhere, and caches nothing while it cannot
// hear revocations.
func TestWatchingAuthenticatorCachesTokensUntilRevoked(t *testing.T) {
	url := pgtest.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tokens := NewTokens(st)
	ws, _, err := tokens.EnsureWorkspace(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	newToken := func() (uuid.UUID, string) {
		tok, secret, err := tokens.Create(ctx, ws.ID, "t", []domain.Scope{domain.ScopeWorkflowsRead})
		if err != nil {
			t.Fatal(err)
		}
		return tok.ID, "Bearer " + secret
	}
	// revokeUnheard revokes a token in the database without the
	// notification a revocation sends: only an authenticator that reads
	// the token sees it.
	revokeUnheard := func(id uuid.UUID) {
		if _, err := conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	accepted := func(a *Authenticator, header string) bool {
		p, err := a.Authenticate(ctx, header)
		if err != nil && domain.KindOf(err) != domain.KindUnauthenticated {
			t.Fatal(err)
		}
		return err == nil && p.Kind == domain.PrincipalAPIToken && p.WorkspaceID == ws.ID
	}
	eventually := func(t *testing.T, what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not within 10 s: %s", what)
			}
		}
	}
	listening := func(a *Authenticator) bool {
		a.tokens.mu.Lock()
		defer a.tokens.mu.Unlock()
		return a.tokens.on
	}

	t.Run("not watching", func(t *testing.T) {
		a := NewAuthenticator(st)
		id, header := newToken()
		if !accepted(a, header) {
			t.Fatal("valid token refused")
		}
		revokeUnheard(id)
		if accepted(a, header) {
			t.Error("an authenticator that does not watch revocations accepted a revoked token it had seen")
		}
	})

	a := NewAuthenticator(st)
	watchCtx, stopWatching := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); a.Watch(watchCtx) }()
	eventually(t, "the authenticator listens", func() bool { return listening(a) })

	t.Run("cached", func(t *testing.T) {
		id, header := newToken()
		if !accepted(a, header) {
			t.Fatal("valid token refused")
		}
		revokeUnheard(id)
		if !accepted(a, header) {
			t.Error("the token was read again: not cached")
		}
	})
	t.Run("revoked", func(t *testing.T) {
		id, header := newToken()
		if !accepted(a, header) {
			t.Fatal("valid token refused")
		}
		if _, err := tokens.Revoke(ctx, ws.ID, id.String()); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked token is refused", func() bool { return !accepted(a, header) })
	})
	t.Run("connection lost", func(t *testing.T) {
		id, header := newToken()
		if !accepted(a, header) {
			t.Fatal("valid token refused")
		}
		// End the listening connection: until it is back, revocations
		// may go unheard, so the cache must go.
		var ended int
		err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&ended)
		if err != nil || ended != 1 {
			t.Fatalf("ended %d listening connections: %v", ended, err)
		}
		eventually(t, "the lost connection is noticed", func() bool { return !listening(a) })
		revokeUnheard(id)
		if accepted(a, header) {
			t.Error("a token revoked while the connection was lost was accepted from the cache")
		}
		eventually(t, "the authenticator listens again", func() bool { return listening(a) })
		id, header = newToken()
		if !accepted(a, header) {
			t.Fatal("valid token refused")
		}
		revokeUnheard(id)
		if !accepted(a, header) {
			t.Error("not cached after reconnecting")
		}
	})
	stopWatching()
	<-watched
	if listening(a) {
		t.Error("still caching after Watch returned")
	}
}
