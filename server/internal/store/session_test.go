package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/server/internal/domain"
)

// TestSessionHeadsFollowTheListsOrder: the resync of open streams reads the
// heads of a thousand sessions at once and takes head i for session i; a
// session that does not exist (or is another workspace's) reads as 0.
func TestSessionHeadsFollowTheListsOrder(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	other := domain.NewID()
	if _, err := f.st.CreateSession(ctx, domain.Session{WorkspaceID: f.ws, ID: other, Channel: "api"}, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE sessions SET last_sequence = CASE id WHEN $1 THEN 7 ELSE 3 END WHERE workspace_id = $2`, other, f.ws); err != nil {
		t.Fatal(err)
	}
	ws := []uuid.UUID{f.ws, f.ws, f.ws, domain.NewID(), f.ws}
	ids := []uuid.UUID{other, domain.NewID(), f.ses, other, other}
	heads, err := f.st.SessionHeads(ctx, ws, ids)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{7, 0, 3, 0, 7}; !slices.Equal(heads, want) {
		t.Errorf("heads %v, want %v", heads, want)
	}
	if heads, err := f.st.SessionHeads(ctx, nil, nil); err != nil || len(heads) != 0 {
		t.Errorf("no sessions: heads %v, %v; want none", heads, err)
	}
}
