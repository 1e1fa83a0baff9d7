package app_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
)

// Two `parley serve` processes on one database must behave as one: an event
// committed through either reaches the streams opened on the other.

// bearerAuth sends an API token on unary and streaming calls alike.
type bearerAuth string

func (b bearerAuth) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", "Bearer "+string(b))
		return next(ctx, req)
	}
}

func (b bearerAuth) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", "Bearer "+string(b))
		return conn
	}
}

func (b bearerAuth) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func sessionsClient(s *server, token string) sessionv1connect.SessionServiceClient {
	return sessionv1connect.NewSessionServiceClient(h2cClient(), s.url, connect.WithGRPC(),
		connect.WithInterceptors(bearerAuth(token)))
}

// arrival is one event received on a Subscribe stream, and when.
type arrival struct {
	ev *sessionv1.SessionEvent
	at time.Time
}

// subscription reads a Subscribe stream in the background.
type subscription struct {
	mu      sync.Mutex
	got     []arrival
	ready   chan struct{} // closed when the first item (event or heartbeat) arrives
	done    chan struct{} // closed when the stream ends
	err     error         // why it ended; read after done
	onEvent chan struct{} // signalled (non-blocking) on every event
}

// subscribe opens Subscribe{sessionID, after} and waits until the stream has
// delivered its first item, so that it is live before the caller goes on.
// The stream is closed when the test ends.
func subscribe(t *testing.T, c sessionv1connect.SessionServiceClient, sessionID string, after int64) *subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: sessionID, AfterSequence: after}))
	if err != nil {
		cancel()
		t.Fatalf("subscribe: %v", err)
	}
	sub := &subscription{ready: make(chan struct{}), done: make(chan struct{}), onEvent: make(chan struct{}, 1)}
	go func() {
		defer close(sub.done)
		first := true
		for stream.Receive() {
			now := time.Now()
			if first {
				first = false
				close(sub.ready)
			}
			ev := stream.Msg().GetEvent()
			if ev == nil {
				continue // heartbeat or delta
			}
			sub.mu.Lock()
			sub.got = append(sub.got, arrival{ev: ev, at: now})
			sub.mu.Unlock()
			select {
			case sub.onEvent <- struct{}{}:
			default:
			}
		}
		sub.err = stream.Err()
	}()
	t.Cleanup(func() {
		cancel()
		<-sub.done
		_ = stream.Close()
	})
	select {
	case <-sub.ready:
	case <-sub.done:
		t.Fatalf("subscribe stream ended before its first item: %v", sub.err)
	case <-time.After(10 * time.Second):
		t.Fatal("subscribe stream delivered nothing (not even a heartbeat) within 10 s")
	}
	return sub
}

// waitUntil waits up to timeout for cond to hold on the events received so
// far and returns them (a copy) either way, with whether cond held.
func (s *subscription) waitUntil(timeout time.Duration, cond func([]arrival) bool) ([]arrival, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got := slices.Clone(s.got)
		s.mu.Unlock()
		if cond(got) {
			return got, true
		}
		select {
		case <-s.onEvent:
		case <-s.done:
			s.mu.Lock()
			got := slices.Clone(s.got)
			s.mu.Unlock()
			return got, cond(got)
		case <-deadline.C:
			return got, false
		}
	}
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func TestReplicasShareSessionStreams(t *testing.T) {
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	// The streams' periodic re-read waits a minute: what reaches the other
	// replica sooner came by the writer's announcement.
	env := []string{"DATABASE_URL=" + dbURL, "PARLEY_BOOTSTRAP_TOKEN=" + boot, "PARLEY_HEARTBEAT=1m"}
	a := startServer(t, env...)
	waitServing(t, a)
	b := startServer(t, env...)
	waitServing(t, b)
	if a.url == b.url {
		t.Fatalf("both servers listen on %s", a.url)
	}
	ctx := context.Background()
	viaA, viaB := sessionsClient(a, boot), sessionsClient(b, boot)

	created, err := viaA.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
	if err != nil {
		t.Fatalf("CreateSession via A: %v", err)
	}
	sess := created.Msg.GetSession()
	start := sess.GetLastSequence()

	onB := subscribe(t, viaB, sess.GetId(), start)

	// Send through A, one after the other.
	const n = 200
	type sent struct {
		text  string
		seq   int64
		start time.Time
	}
	sends := make([]sent, n)
	for i := range sends {
		text := fmt.Sprintf("m%d", i)
		began := time.Now()
		res, err := viaA.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{
			SessionId: sess.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: text},
		}))
		if err != nil {
			t.Fatalf("SendMessage %d via A: %v", i, err)
		}
		ev := res.Msg.GetEvent()
		if ev.GetMessage().GetText() != text || ev.GetSessionId() != sess.GetId() {
			t.Fatalf("SendMessage %d via A returned %v", i, ev)
		}
		if i > 0 && ev.GetSequence() <= sends[i-1].seq {
			t.Fatalf("SendMessage %d via A: sequence %d after %d", i, ev.GetSequence(), sends[i-1].seq)
		}
		sends[i] = sent{text: text, seq: ev.GetSequence(), start: began}
	}
	last := sends[n-1].seq

	got, ok := onB.waitUntil(10*time.Second, func(got []arrival) bool {
		return len(got) > 0 && got[len(got)-1].ev.GetSequence() >= last
	})
	if !ok {
		var lastGot int64
		if len(got) > 0 {
			lastGot = got[len(got)-1].ev.GetSequence()
		}
		select {
		case <-onB.done:
			t.Fatalf("B's stream ended (%v) after %d events (up to sequence %d); sent up to %d via A", onB.err, len(got), lastGot, last)
		default:
		}
		t.Fatalf("B's stream: %d events up to sequence %d within 10 s; sent up to %d via A", len(got), lastGot, last)
	}

	// Every sequence after the start, once, in order, no gap.
	at := map[int64]arrival{}
	for i, g := range got {
		want := start + 1 + int64(i)
		if seq := g.ev.GetSequence(); seq != want {
			t.Fatalf("B's stream event %d has sequence %d, want %d (received sequences: %v)", i, seq, want, sequences(got))
		}
		if g.ev.GetSessionId() != sess.GetId() {
			t.Errorf("B's stream event %d is of session %q", i, g.ev.GetSessionId())
		}
		at[g.ev.GetSequence()] = g
	}
	if extra := len(got) - n; extra != 0 {
		t.Logf("B's stream carried %d events besides the %d messages", extra, n)
	}

	latencies := make([]time.Duration, 0, n)
	for i, s := range sends {
		g, ok := at[s.seq]
		if !ok {
			t.Fatalf("message %d (sequence %d) never arrived on B", i, s.seq)
		}
		if text := g.ev.GetMessage().GetText(); text != s.text {
			t.Errorf("sequence %d on B has text %q (event %v), sent %q", s.seq, text, g.ev, s.text)
		}
		latencies = append(latencies, g.at.Sub(s.start))
	}
	slices.Sort(latencies)
	report := fmt.Sprintf("cross-replica delivery over %d messages: p50=%v p99=%v max=%v",
		n, percentile(latencies, 50), percentile(latencies, 99), latencies[len(latencies)-1])
	t.Log(report)
	if out := os.Getenv("PARLEY_BENCH_OUT"); out != "" {
		if err := appendLine(out, report); err != nil {
			t.Errorf("PARLEY_BENCH_OUT: %v", err)
		}
	}

	// The other direction: sent through B, seen on A.
	sendAndSee(t, viaA, sess.GetId(), last, "from B", through(t, viaB, sess.GetId()))
}

// Events no replica was told of (written by one whose announcements were
// lost) must still reach open streams through their periodic re-read
// (every heartbeat interval, 500 ms here).
func TestReplicaStreamSurvivesWithoutNotifications(t *testing.T) {
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	env := []string{"DATABASE_URL=" + dbURL, "PARLEY_BOOTSTRAP_TOKEN=" + boot, "PARLEY_HEARTBEAT=500ms"}
	a := startServer(t, env...)
	waitServing(t, a)
	b := startServer(t, env...)
	waitServing(t, b)
	ctx := context.Background()
	viaA, viaB := sessionsClient(a, boot), sessionsClient(b, boot)

	created, err := viaA.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
	if err != nil {
		t.Fatalf("CreateSession via A: %v", err)
	}
	sess := created.Msg.GetSession()
	start := sess.GetLastSequence()
	onB := subscribe(t, viaB, sess.GetId(), start)

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	quietly := unannounced(t, conn, sess.GetId())

	const n = 5
	texts := map[int64]string{}
	var last int64
	began := time.Now()
	for i := range n {
		text := fmt.Sprintf("quiet %d", i)
		last = quietly(text)
		texts[last] = text
	}
	got, ok := onB.waitUntil(10*time.Second, func(got []arrival) bool {
		return len(got) > 0 && got[len(got)-1].ev.GetSequence() >= last
	})
	if !ok {
		t.Fatalf("without notifications B's stream got sequences %v within 10 s, sent up to %d via A (stream ended: %v)",
			sequences(got), last, ended(onB))
	}
	for i, g := range got {
		if want := start + 1 + int64(i); g.ev.GetSequence() != want {
			t.Fatalf("B's stream event %d has sequence %d, want %d (received sequences: %v)", i, g.ev.GetSequence(), want, sequences(got))
		}
		if text, ok := texts[g.ev.GetSequence()]; ok && g.ev.GetMessage().GetText() != text {
			t.Errorf("sequence %d on B: %v, want message %q", g.ev.GetSequence(), g.ev, text)
		}
	}
	t.Logf("without notifications, %d messages reached B %v after the first send", n, got[len(got)-1].at.Sub(began))

	// And on a stream of A opened after them.
	sendAndSee(t, viaA, sess.GetId(), last, "quiet again", quietly)
}

// sendAndSee opens a stream on a server after sequence last, sends text
// with send (which returns its sequence), and checks the stream gets
// exactly what followed last, ending with that message.
func sendAndSee(t *testing.T, on sessionv1connect.SessionServiceClient, sessionID string, last int64, text string, send func(text string) int64) {
	t.Helper()
	stream := subscribe(t, on, sessionID, last)
	sent := send(text)
	got, ok := stream.waitUntil(10*time.Second, func(got []arrival) bool {
		return slices.ContainsFunc(got, func(g arrival) bool { return g.ev.GetSequence() == sent })
	})
	if !ok {
		t.Fatalf("%q (sequence %d) did not arrive on the other server's stream within 10 s (received %v, stream ended: %v)",
			text, sent, sequences(got), ended(stream))
	}
	if got[0].ev.GetSequence() != last+1 {
		t.Errorf("the stream started at sequence %d, want %d", got[0].ev.GetSequence(), last+1)
	}
	if g := got[len(got)-1]; g.ev.GetSequence() != sent || g.ev.GetMessage().GetText() != text {
		t.Errorf("last event on the stream: %v, want %q at %d", g.ev, text, sent)
	}
}

// through sends messages to a session through a server's API.
func through(t *testing.T, via sessionv1connect.SessionServiceClient, sessionID string) func(text string) int64 {
	return func(text string) int64 {
		t.Helper()
		res, err := via.SendMessage(context.Background(), connect.NewRequest(&sessionv1.SendMessageRequest{
			SessionId: sessionID, Content: &sessionv1.SendMessageRequest_Text{Text: text},
		}))
		if err != nil {
			t.Fatalf("SendMessage %q: %v", text, err)
		}
		return res.Msg.GetEvent().GetSequence()
	}
}

// unannounced appends visitor messages to a session in SQL, as a replica
// whose announcements were lost leaves them: stored, and no server told.
func unannounced(t *testing.T, conn *pgx.Conn, sessionID string) func(text string) int64 {
	return func(text string) int64 {
		t.Helper()
		var seq int64
		err := conn.QueryRow(context.Background(), `
			WITH s AS (
				UPDATE sessions SET last_sequence = last_sequence + 1, message_count = message_count + 1
				WHERE id = $1 RETURNING workspace_id, id, last_sequence
			)
			INSERT INTO session_events (workspace_id, session_id, sequence, kind, actor, payload)
			SELECT workspace_id, id, last_sequence, 'message', 'visitor', jsonb_build_object('message', jsonb_build_object('text', $2::text))
			FROM s RETURNING sequence`, strings.TrimPrefix(sessionID, "session_"), text).Scan(&seq)
		if err != nil {
			t.Fatalf("insert %q: %v", text, err)
		}
		return seq
	}
}

func sequences(got []arrival) []int64 {
	seqs := make([]int64, len(got))
	for i, g := range got {
		seqs[i] = g.ev.GetSequence()
	}
	return seqs
}

func ended(s *subscription) string {
	select {
	case <-s.done:
		return fmt.Sprintf("yes (%v)", s.err)
	default:
		return "no"
	}
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, line)
	return errors.Join(err, f.Close())
}
