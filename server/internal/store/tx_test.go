package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/store"
)

// txFixture is a store with a workspace, a workflow and a session.
type txFixture struct {
	st                *store.Store
	url               string
	ws, workflow, ses uuid.UUID
}

func newTxFixture(t *testing.T) txFixture {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	f := txFixture{st: st, url: url, ws: domain.NewID(), workflow: domain.NewID(), ses: domain.NewID()}
	if _, err := st.CreateWorkspace(ctx, domain.Workspace{ID: f.ws, Slug: "tx", Name: "tx", PublicKey: "pk_tx", WebhookSecret: "s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateWorkflow(ctx, domain.Workflow{WorkspaceID: f.ws, ID: f.workflow, Name: "w", Draft: []byte(`{}`), Settings: []byte(`{}`), TriggerKind: "programmatic"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSession(ctx, domain.Session{WorkspaceID: f.ws, ID: f.ses, Channel: "api"}, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f txFixture) newRun() domain.Run {
	return domain.Run{WorkspaceID: f.ws, ID: domain.NewID(), WorkflowID: f.workflow, Version: 1, SessionID: f.ses,
		Mode: domain.RunProduction, Trigger: "programmatic", CurrentNodeID: "start"}
}

func (f txFixture) event(seq int64) domain.SessionEvent {
	return domain.SessionEvent{WorkspaceID: f.ws, SessionID: f.ses, Sequence: seq, Kind: "note", Actor: "ACTOR_SYSTEM", Payload: []byte(`{}`)}
}

// addLabel locks the session in the transaction in ctx and adds a label.
func (f txFixture) addLabel(ctx context.Context, label string) error {
	sess, err := f.st.SessionForUpdate(ctx, f.ws, f.ses)
	if err != nil {
		return err
	}
	sess.Labels = append(sess.Labels, label)
	_, err = f.st.SaveSession(ctx, sess)
	return err
}

// sequences lists the session's stored events.
func (f txFixture) sequences(t *testing.T) []int64 {
	t.Helper()
	evs, err := f.st.SessionEvents(context.Background(), f.ws, f.ses, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, e := range evs {
		out = append(out, e.Sequence)
	}
	return out
}

// Writes queued in a transaction are seen by its next statement.
func TestQueuedWritesAreSeenByTheNextRead(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	err := f.st.InTx(ctx, func(ctx context.Context) error {
		if err := f.addLabel(ctx, "vip"); err != nil {
			return err
		}
		if _, err := f.st.AppendSessionEvent(ctx, f.event(1)); err != nil {
			return err
		}
		read, err := f.st.Session(ctx, f.ws, f.ses)
		if err != nil {
			return err
		}
		if !slices.Equal(read.Labels, []string{"vip"}) {
			t.Errorf("labels read in the transaction = %q, want [vip]", read.Labels)
		}
		if got := f.sequences(t); len(got) != 0 {
			t.Errorf("events read outside the transaction before commit = %v, want none", got)
		}
		evs, err := f.st.SessionEvents(ctx, f.ws, f.ses, 0, 10)
		if err != nil || len(evs) != 1 {
			t.Errorf("events read in the transaction = %d (%v), want 1", len(evs), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.sequences(t); !slices.Equal(got, []int64{1}) {
		t.Errorf("events after commit = %v, want [1]", got)
	}
}

// A queued write that fails fails the transaction when it is sent, with
// the error its store method gives, and nothing of the transaction stays.
func TestFailedQueuedWriteFailsTheTransaction(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	r := f.newRun()
	err := f.st.InTx(ctx, func(ctx context.Context) error {
		if _, err := f.st.CreateRun(ctx, r); err != nil {
			return err
		}
		if _, err := f.st.AppendSessionEvent(ctx, f.event(1)); err != nil {
			return err
		}
		_, err := f.st.AppendSessionEvent(ctx, f.event(1)) // the same sequence: fails when sent
		return err
	})
	if domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("commit with a duplicate event = %v, want a conflict", err)
	}
	if _, err := f.st.Run(ctx, f.ws, r.ID); domain.KindOf(err) != domain.KindNotFound {
		t.Errorf("the run inserted before the failed write: %v, want not found", err)
	}
	if got := f.sequences(t); len(got) != 0 {
		t.Errorf("events after the failed transaction = %v, want none", got)
	}
}

// A savepoint that fails undoes its writes, whether they were still queued
// or already sent, and the transaction goes on.
func TestSavepointRollbackUndoesQueuedAndSentWrites(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var committed []int64
	f.st.OnEventsCommitted(func(evs []domain.SessionEvent) {
		for _, e := range evs {
			committed = append(committed, e.Sequence)
		}
	})
	err := f.st.InTx(ctx, func(ctx context.Context) error {
		if _, err := f.st.AppendSessionEvent(ctx, f.event(1)); err != nil {
			return err
		}
		err := f.st.Savepoint(ctx, func(ctx context.Context) error { // everything still queued
			_, err := f.st.AppendSessionEvent(ctx, f.event(2))
			return errors.Join(err, boom)
		})
		if !errors.Is(err, boom) {
			return err
		}
		err = f.st.Savepoint(ctx, func(ctx context.Context) error { // the savepoint sent by a read
			if _, err := f.st.AppendSessionEvent(ctx, f.event(3)); err != nil {
				return err
			}
			if _, err := f.st.Session(ctx, f.ws, f.ses); err != nil {
				return err
			}
			_, err := f.st.AppendSessionEvent(ctx, f.event(4))
			return errors.Join(err, boom)
		})
		if !errors.Is(err, boom) {
			return err
		}
		return f.st.Savepoint(ctx, func(ctx context.Context) error {
			_, err := f.st.AppendSessionEvent(ctx, f.event(5))
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.sequences(t); !slices.Equal(got, []int64{1, 5}) {
		t.Errorf("events after commit = %v, want [1 5]: the two failed savepoints undone", got)
	}
	if !slices.Equal(committed, []int64{1, 5}) {
		t.Errorf("events told as committed = %v, want [1 5]", committed)
	}
}

// A session the transaction locked is not read again, but after a savepoint
// that changed it fails, it is: the change and perhaps the lock are gone.
func TestLockedSessionAfterSavepointRollback(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	err := f.st.InTx(ctx, func(ctx context.Context) error {
		if err := f.addLabel(ctx, "kept"); err != nil {
			return err
		}
		_ = f.st.Savepoint(ctx, func(ctx context.Context) error {
			return errors.Join(f.addLabel(ctx, "undone"), errors.New("boom"))
		})
		again, err := f.st.SessionForUpdate(ctx, f.ws, f.ses)
		if err != nil {
			return err
		}
		if !slices.Equal(again.Labels, []string{"kept"}) {
			t.Errorf("labels after the savepoint failed = %q, want [kept]", again.Labels)
		}
		// Changing what SessionForUpdate returned changes nothing stored.
		again.Labels[0] = "scribbled"
		third, err := f.st.SessionForUpdate(ctx, f.ws, f.ses)
		if err != nil {
			return err
		}
		if !slices.Equal(third.Labels, []string{"kept"}) {
			t.Errorf("labels after changing a returned copy = %q, want [kept]", third.Labels)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := f.st.Session(ctx, f.ws, f.ses)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sess.Labels, []string{"kept"}) {
		t.Errorf("labels after commit = %q, want [kept]", sess.Labels)
	}
}

// A run that finishes in the transaction that started it, with no read in
// between, is written once: one row version, inserted in its final state.
// One saved after a read is updated as before.
func TestRunIsWrittenOnceWhenItFinishesBeforeAnyRead(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	finish := func(read bool) domain.Run {
		var saved domain.Run
		err := f.st.InTx(ctx, func(ctx context.Context) error {
			r, err := f.st.CreateRun(ctx, f.newRun())
			if err != nil {
				return err
			}
			if read {
				if _, err := f.st.Session(ctx, f.ws, f.ses); err != nil {
					return err
				}
			}
			now := time.Now()
			r.Status, r.StepCount, r.StartedAt, r.FinishedAt = domain.RunCompleted, 2, &now, &now
			r.Variables = map[string]any{"n": 1}
			saved, err = f.st.SaveRun(ctx, r)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, read := range []bool{false, true} {
		saved := finish(read)
		got, err := f.st.Run(ctx, f.ws, saved.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.RunCompleted || got.StepCount != 2 || got.FinishedAt == nil || got.Variables["n"] != 1.0 {
			t.Errorf("read=%v: stored run %+v, want completed after 2 steps with n=1", read, got)
		}
		if !got.UpdatedAt.Equal(saved.UpdatedAt) || !got.CreatedAt.Equal(saved.CreatedAt) || !got.FinishedAt.Equal(*saved.FinishedAt) {
			t.Errorf("read=%v: SaveRun returned times %v/%v/%v, stored %v/%v/%v", read,
				saved.CreatedAt, saved.UpdatedAt, *saved.FinishedAt, got.CreatedAt, got.UpdatedAt, *got.FinishedAt)
		}
		// On the fresh table the first run's row is the page's first tuple
		// and the second run's insert its second; an update leaves that
		// version dead and moves the row to a third.
		var ctid string
		if err := conn.QueryRow(ctx, `SELECT ctid::text FROM runs WHERE id = $1`, saved.ID).Scan(&ctid); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{false: "(0,1)", true: "(0,3)"}[read]; ctid != want {
			t.Errorf("read=%v: run row at %s, want %s", read, ctid, want)
		}
	}
}

// A transaction's ctx used after the transaction ended runs nothing: its
// connection went back to the pool.
func TestStatementsAfterTheTransactionAreRefused(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	var inside context.Context
	if err := f.st.InTx(ctx, func(ctx context.Context) error {
		inside = ctx
		_, err := f.st.Session(ctx, f.ws, f.ses)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Session(inside, f.ws, f.ses); !errors.Is(err, pgx.ErrTxClosed) {
		t.Errorf("a read after the transaction ended: %v, want it refused", err)
	}
	if _, err := f.st.AppendSessionEvent(inside, f.event(1)); !errors.Is(err, pgx.ErrTxClosed) {
		t.Errorf("a write after the transaction ended: %v, want it refused", err)
	}
}

// The rows a transaction queues for one table go to the database as one
// statement, across savepoints whose statement was never sent; a session
// saved twice is written once, in its last state; a step written twice
// goes in a second statement, so the second write updates the first.
func TestQueuedRowsOfATableGoInOneStatement(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	r1, r2 := f.newRun(), f.newRun()
	step := func(status, output string) []domain.RunStep {
		return []domain.RunStep{{WorkspaceID: f.ws, RunID: r1.ID, Index: 0, NodeID: "start", Kind: "programmatic", Status: status,
			Output: json.RawMessage(output), Attempt: 1, StartedAt: time.Now()}}
	}
	err := f.st.InTx(ctx, func(ctx context.Context) error {
		if err := f.addLabel(ctx, "a"); err != nil { // reads the session: what follows is queued
			return err
		}
		for i, r := range []domain.Run{r1, r2} {
			err := f.st.Savepoint(ctx, func(ctx context.Context) error {
				if _, err := f.st.CreateRun(ctx, r); err != nil {
					return err
				}
				_, err := f.st.AppendSessionEvent(ctx, f.event(int64(i+1)))
				return err
			})
			if err != nil {
				return err
			}
		}
		if err := f.st.SaveRunSteps(ctx, step(domain.StepWaiting, `{"asked": 1}`)); err != nil {
			return err
		}
		if err := f.st.SaveRunSteps(ctx, step(domain.StepCompleted, `{"answer": 2}`)); err != nil {
			return err
		}
		return f.addLabel(ctx, "b")
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	statements := func(query string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(DISTINCT cmin::text) FROM `+query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := statements(`runs`); n != 1 {
		t.Errorf("2 runs were inserted by %d statements, want 1", n)
	}
	if n := statements(`session_events`); n != 1 {
		t.Errorf("2 events were inserted by %d statements, want 1", n)
	}
	if got := f.sequences(t); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("events = %v, want [1 2]", got)
	}
	steps, err := f.st.RunSteps(ctx, f.ws, r1.ID)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps of the run = %v (%v), want 1", steps, err)
	}
	if steps[0].Status != domain.StepCompleted || !strings.Contains(string(steps[0].Output), `"asked": 1`) || !strings.Contains(string(steps[0].Output), `"answer": 2`) {
		t.Errorf("step written twice = %s with output %s, want completed with both outputs", steps[0].Status, steps[0].Output)
	}
	sess, err := f.st.Session(ctx, f.ws, f.ses)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sess.Labels, []string{"a", "b"}) {
		t.Errorf("labels = %q, want [a b]", sess.Labels)
	}
	// The fresh session's row is its page's first tuple; one update puts
	// its new version second.
	var ctid string
	if err := conn.QueryRow(ctx, `SELECT ctid::text FROM sessions WHERE id = $1`, f.ses).Scan(&ctid); err != nil {
		t.Fatal(err)
	}
	if ctid != "(0,2)" {
		t.Errorf("session row at %s after two saves in one stretch of writes, want (0,2): one update", ctid)
	}
}

// A batch of a few rows is joined to its table by index: the statements
// read the JSON array row by row, so the planner does not scan a table of
// thousands of sessions to update or lock four.
func TestBatchedRowsAreJoinedByIndex(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO sessions (workspace_id, id, channel) SELECT $1, gen_random_uuid(), 'api' FROM generate_series(1, 5000)`, f.ws)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE sessions`); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for range 4 {
		rows = append(rows, fmt.Sprintf(`{"workspace_id": %q, "id": %q, "session_id": %q, "workflow_id": %q}`, f.ws, f.ses, f.ses, f.workflow))
	}
	doc := "[" + strings.Join(rows, ",") + "]"
	for name, sql := range store.BatchedJoins() {
		// A generic plan, as a prepared statement gets after five runs.
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
			t.Fatal(err)
		}
		plan, err := conn.Query(ctx, "EXPLAIN "+sql, doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines, err := pgx.CollectRows(plan, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if text := strings.Join(lines, "\n"); strings.Contains(text, "Seq Scan on sessions") {
			t.Errorf("%s scans sessions for 4 rows:\n%s", name, text)
		}
	}
}

// TestRowsOfManyTransactionsAreWrittenAsQueued writes, in transactions one
// after the other, events whose rows fill several of the chunks a
// transaction's rows are kept in (one larger than a chunk), and reads every
// event back as it was queued: no row is overwritten by a later one, in
// its own transaction or in the next, which reuses the chunks.
func TestRowsOfManyTransactionsAreWrittenAsQueued(t *testing.T) {
	f := newTxFixture(t)
	ctx := context.Background()
	payload := func(seq int64) []byte {
		n := 1 + int(seq*37)%2000
		if seq == 150 {
			n = 40 << 10
		}
		return fmt.Appendf(nil, `{"seq": %d, "text": %q}`, seq, strings.Repeat(fmt.Sprint(seq%10), n))
	}
	seq := int64(0)
	for range 3 {
		err := f.st.InTx(ctx, func(ctx context.Context) error {
			for range 100 {
				seq++
				e := f.event(seq)
				e.Payload = payload(seq)
				if _, err := f.st.AppendSessionEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.st.SessionEvents(ctx, f.ws, f.ses, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != int(seq) {
		t.Fatalf("read %d events, want %d", len(got), seq)
	}
	for _, e := range got {
		var have, want any
		if err := json.Unmarshal(e.Payload, &have); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(payload(e.Sequence), &want)
		if !reflect.DeepEqual(have, want) {
			t.Fatalf("event %d reads %.80s…, want %.80s…", e.Sequence, e.Payload, payload(e.Sequence))
		}
	}
}
