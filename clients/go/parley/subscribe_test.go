package parley_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/parleyhq/parley/clients/go/parley"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
)

// A fake SessionService in an in-process HTTP server (HTTP/1.1 and
// cleartext HTTP/2, like the real one): each Subscribe call runs the next
// step of a script, so a test decides when streams end and how.

const testSession = "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427"

// seenCall is what the fake saw of one call.
type seenCall struct {
	after     int64
	proto     int // HTTP major version
	auth      string
	userAgent string
}

// step serves one Subscribe call; n counts calls from 0.
type step func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error

type fakeSessions struct {
	sessionv1connect.UnimplementedSessionServiceHandler
	script step

	mu    sync.Mutex
	calls []seenCall
	ended []chan struct{} // closed when call n's handler returns
	more  chan struct{}   // signalled on every call
}

func (f *fakeSessions) Subscribe(ctx context.Context, req *connect.Request[sessionv1.SubscribeRequest], st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, seenCall{
		after:     req.Msg.GetAfterSequence(),
		proto:     protoMajor(ctx),
		auth:      req.Header().Get("Authorization"),
		userAgent: req.Header().Get("User-Agent"),
	})
	done := make(chan struct{})
	f.ended = append(f.ended, done)
	f.mu.Unlock()
	defer close(done)
	select {
	case f.more <- struct{}{}:
	default:
	}
	return f.script(ctx, n, req.Msg, st)
}

func (f *fakeSessions) GetSession(ctx context.Context, req *connect.Request[sessionv1.GetSessionRequest]) (*connect.Response[sessionv1.GetSessionResponse], error) {
	f.mu.Lock()
	f.calls = append(f.calls, seenCall{proto: protoMajor(ctx), auth: req.Header().Get("Authorization"), userAgent: req.Header().Get("User-Agent")})
	f.mu.Unlock()
	return connect.NewResponse(&sessionv1.GetSessionResponse{Session: &sessionv1.Session{Id: req.Msg.GetSessionId()}}), nil
}

func (f *fakeSessions) seen() []seenCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// afters lists the after_sequence of every Subscribe call so far.
func (f *fakeSessions) afters() []int64 {
	var out []int64
	for _, c := range f.seen() {
		out = append(out, c.after)
	}
	return out
}

type protoKey struct{}

func protoMajor(ctx context.Context) int { v, _ := ctx.Value(protoKey{}).(int); return v }

// startFake serves f and returns its base URL.
func startFake(t *testing.T, f *fakeSessions) string {
	t.Helper()
	if f.more == nil {
		f.more = make(chan struct{}, 1)
	}
	return serve(t, f)
}

// serve serves a SessionService over HTTP/1.1 and cleartext HTTP/2, as the
// Parley server does, and returns its base URL.
func serve(t *testing.T, svc sessionv1connect.SessionServiceHandler) string {
	t.Helper()
	path, h := sessionv1connect.NewSessionServiceHandler(svc)
	mux := http.NewServeMux()
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), protoKey{}, r.ProtoMajor)))
	}))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func event(seq int64) *sessionv1.SubscribeResponse {
	return &sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Event{Event: &sessionv1.SessionEvent{
		SessionId: testSession, Sequence: seq, Actor: sessionv1.Actor_ACTOR_BOT,
		Payload: &sessionv1.SessionEvent_Message{Message: &sessionv1.MessagePosted{Text: fmt.Sprintf("message %d", seq)}},
	}}}
}

func heartbeat(last int64) *sessionv1.SubscribeResponse {
	return &sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Heartbeat{Heartbeat: &sessionv1.Heartbeat{
		Time: timestamppb.Now(), LastSequence: last,
	}}}
}

func delta(text string) *sessionv1.SubscribeResponse {
	return &sessionv1.SubscribeResponse{Item: &sessionv1.SubscribeResponse_Delta{Delta: &sessionv1.MessageDelta{StreamId: "s", Text: text}}}
}

// send sends items (an int is the event of that sequence).
func send(st *connect.ServerStream[sessionv1.SubscribeResponse], items ...any) error {
	for _, it := range items {
		var msg *sessionv1.SubscribeResponse
		switch v := it.(type) {
		case int:
			msg = event(int64(v))
		case *sessionv1.SubscribeResponse:
			msg = v
		default:
			panic(fmt.Sprintf("send %T", it))
		}
		if err := st.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

// fast makes reconnections quick.
var fast = parley.WithReconnectBackoff(time.Millisecond, 20*time.Millisecond)

// protocols runs a test over the Connect protocol and over gRPC.
func protocols(t *testing.T, f func(t *testing.T, opts ...parley.Option)) {
	t.Run("connect", func(t *testing.T) { f(t) })
	t.Run("grpc", func(t *testing.T) { f(t, parley.WithGRPC()) })
}

// TestSubscribeResumesAfterEveryKindOfEnd: a stream that ends cleanly, one
// that fails mid-way after repeating events, and an attempt that fails
// before sending anything; the subscriber sees each sequence exactly once,
// in order, no heartbeat or delta, and each reconnection asks for the events
// after the last one delivered.
func TestSubscribeResumesAfterEveryKindOfEnd(t *testing.T) {
	protocols(t, func(t *testing.T, opts ...parley.Option) {
		f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
			switch n {
			case 0: // 1..3, then the server ends the stream (as on shutdown)
				return send(st, heartbeat(7), 1, delta("hel"), delta("lo"), 2, heartbeat(7), 3)
			case 1: // replays 2 and 3, sends 4 and 5, then fails
				if err := send(st, heartbeat(7), 2, 3, 4, 5); err != nil {
					return err
				}
				return connect.NewError(connect.CodeUnavailable, errors.New("replica going away"))
			case 2: // fails before anything
				return connect.NewError(connect.CodeInternal, errors.New("database hiccup"))
			default: // the rest, then stays open
				if err := send(st, heartbeat(7), 6, heartbeat(7), 7); err != nil {
					return err
				}
				<-ctx.Done()
				return ctx.Err()
			}
		}}
		url := startFake(t, f)
		c, err := parley.NewClient(url, "tok_123", append(opts, fast, parley.WithUserAgent("test-app/1"))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		sub := c.Subscribe(ctx, testSession, 0)
		var got []int64
		var last error
		for ev, err := range sub.Events() {
			if err != nil {
				last = err
				continue // the error is the last pair: the loop ends by itself
			}
			if ev.GetSessionId() != testSession || ev.GetMessage().GetText() != fmt.Sprintf("message %d", ev.GetSequence()) {
				t.Errorf("event %d: %v", ev.GetSequence(), ev)
			}
			got = append(got, ev.GetSequence())
			if ev.GetSequence() == 7 {
				cancel()
			}
		}
		if want := []int64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
			t.Errorf("delivered sequences %v, want %v", got, want)
		}
		if want := []int64{0, 3, 5, 5}; !slices.Equal(f.afters(), want) {
			t.Errorf("after_sequence of each Subscribe call: %v, want %v", f.afters(), want)
		}
		if !errors.Is(last, context.Canceled) || !errors.Is(sub.Err(), context.Canceled) {
			t.Errorf("after cancel: last yielded error %v, Err() %v; want context.Canceled", last, sub.Err())
		}
		if sub.LastSequence() != 7 {
			t.Errorf("LastSequence() = %d, want 7", sub.LastSequence())
		}
		for i, call := range f.seen() {
			if call.proto != 2 {
				t.Errorf("call %d over HTTP/%d, want cleartext HTTP/2", i, call.proto)
			}
			if call.auth != "Bearer tok_123" {
				t.Errorf("call %d Authorization %q", i, call.auth)
			}
			if !strings.HasPrefix(call.userAgent, "test-app/1 parley-go/") {
				t.Errorf("call %d User-Agent %q", i, call.userAgent)
			}
		}
	})
}

// TestSubscribeStartsAfterTheGivenSequence: afterSequence is sent as is,
// and events at or below it are not delivered even if the server sends them.
func TestSubscribeStartsAfterTheGivenSequence(t *testing.T) {
	f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
		if err := send(st, heartbeat(5), 4, 5, 6); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}}
	c, err := parley.NewClient(startFake(t, f), "", fast)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for ev, err := range c.Subscribe(ctx, testSession, 5).Events() {
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetSequence() != 6 {
			t.Fatalf("first event delivered: %d, want 6", ev.GetSequence())
		}
		break
	}
	if calls := f.seen(); len(calls) != 1 || calls[0].after != 5 || calls[0].auth != "" {
		t.Fatalf("calls %+v, want one with after_sequence 5 and no Authorization", calls)
	}
}

// TestSubscribeRetriesOnlyWhatRetryingCanFix: refusals that another attempt
// cannot change stop the subscription with that error (after the events
// delivered before it); any other failure gets the stream reopened.
func TestSubscribeRetriesOnlyWhatRetryingCanFix(t *testing.T) {
	for _, tc := range []struct {
		code      connect.Code
		final     bool
		eventsFst bool // deliver event 1 before failing
	}{
		{code: connect.CodeUnauthenticated, final: true},
		{code: connect.CodePermissionDenied, final: true},
		{code: connect.CodeNotFound, final: true},
		{code: connect.CodeInvalidArgument, final: true},
		{code: connect.CodeUnimplemented, final: true},
		{code: connect.CodePermissionDenied, final: true, eventsFst: true},
		{code: connect.CodeUnavailable},
		{code: connect.CodeInternal},
		{code: connect.CodeUnknown},
		{code: connect.CodeResourceExhausted},
		{code: connect.CodeDeadlineExceeded},
		{code: connect.CodeAborted, eventsFst: true},
	} {
		t.Run(fmt.Sprintf("%v/events=%v", tc.code, tc.eventsFst), func(t *testing.T) {
			f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
				if n == 0 {
					if tc.eventsFst {
						if err := send(st, heartbeat(2), 1); err != nil {
							return err
						}
					}
					return connect.NewError(tc.code, errors.New("refused"))
				}
				if err := send(st, heartbeat(2), 1, 2); err != nil {
					return err
				}
				<-ctx.Done()
				return nil
			}}
			c, err := parley.NewClient(startFake(t, f), "tok", fast)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sub := c.Subscribe(ctx, testSession, 0)
			var got []int64
			var errs []error
			for ev, err := range sub.Events() {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, ev.GetSequence())
				if ev.GetSequence() == 2 {
					break
				}
			}
			if tc.final {
				want := []int64(nil)
				if tc.eventsFst {
					want = []int64{1}
				}
				if len(errs) != 1 || connect.CodeOf(errs[0]) != tc.code || !slices.Equal(got, want) {
					t.Fatalf("got events %v and errors %v, want events %v then one %v error", got, errs, want, tc.code)
				}
				if connect.CodeOf(sub.Err()) != tc.code {
					t.Fatalf("Err() = %v", sub.Err())
				}
				// A stopped subscription stays stopped and says why again.
				n := 0
				for ev, err := range sub.Events() {
					n++
					if ev != nil || connect.CodeOf(err) != tc.code {
						t.Fatalf("ranging again: %v, %v", ev, err)
					}
				}
				if n != 1 || len(f.seen()) != 1 {
					t.Fatalf("ranging again yielded %d pairs after %d calls; want 1 pair, no new call", n, len(f.seen()))
				}
				return
			}
			if len(errs) != 0 || !slices.Equal(got, []int64{1, 2}) || sub.Err() != nil {
				t.Fatalf("got events %v, errors %v, Err() %v; want 1 and 2, no error", got, errs, sub.Err())
			}
			wantAfter := int64(0)
			if tc.eventsFst {
				wantAfter = 1
			}
			if a := f.afters(); len(a) != 2 || a[1] != wantAfter {
				t.Fatalf("after_sequence of each call: %v, want a retry after %d", a, wantAfter)
			}
		})
	}
}

// TestSubscribeBreakAndContinue: breaking out of the loop closes the stream
// (the server sees its context end) and keeps the position; a new loop
// continues from there.
func TestSubscribeBreakAndContinue(t *testing.T) {
	f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
		if err := send(st, heartbeat(5)); err != nil {
			return err
		}
		for seq := req.GetAfterSequence() + 1; seq <= 5; seq++ {
			if err := send(st, int(seq)); err != nil {
				return err
			}
		}
		<-ctx.Done()
		return nil
	}}
	c, err := parley.NewClient(startFake(t, f), "tok", fast)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := c.Subscribe(ctx, testSession, 0)
	var got []int64
	for ev, err := range sub.Events() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.GetSequence())
		if len(got) == 2 {
			break
		}
	}
	if sub.Err() != nil || sub.LastSequence() != 2 {
		t.Fatalf("after break: Err() %v, LastSequence() %d", sub.Err(), sub.LastSequence())
	}
	f.mu.Lock()
	first := f.ended[0]
	f.mu.Unlock()
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the server's stream did not end after the loop broke")
	}
	for ev, err := range sub.Events() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.GetSequence())
		if ev.GetSequence() == 5 {
			break
		}
	}
	if !slices.Equal(got, []int64{1, 2, 3, 4, 5}) || !slices.Equal(f.afters(), []int64{0, 2}) {
		t.Fatalf("events %v over calls with after_sequence %v", got, f.afters())
	}
}

// TestSubscribeReopensASilentStream: a stream that stops delivering even
// heartbeats (a dead connection, a stuck proxy) is reopened after the idle
// timeout.
func TestSubscribeReopensASilentStream(t *testing.T) {
	f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
		if n == 0 {
			if err := send(st, heartbeat(0)); err != nil {
				return err
			}
			<-ctx.Done() // silent from now on
			return nil
		}
		if err := send(st, heartbeat(1), 1); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}}
	c, err := parley.NewClient(startFake(t, f), "tok", fast, parley.WithStreamIdleTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	for ev, err := range c.Subscribe(ctx, testSession, 0).Events() {
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetSequence() != 1 {
			t.Fatalf("got %d", ev.GetSequence())
		}
		break
	}
	if took := time.Since(start); took < 300*time.Millisecond || len(f.seen()) != 2 {
		t.Fatalf("event after %v and %d calls; want a second call after the 300ms idle timeout", took, len(f.seen()))
	}
}

// TestSubscribeBacksOffFromAStreamThatOnlySaysHello: a stream that opens
// (heartbeat) and fails at once, again and again, is not "working": the
// waits keep doubling instead of restarting from the initial backoff.
func TestSubscribeBacksOffFromAStreamThatOnlySaysHello(t *testing.T) {
	f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
		if err := send(st, heartbeat(0)); err != nil {
			return err
		}
		return connect.NewError(connect.CodeUnavailable, errors.New("flapping"))
	}}
	c, err := parley.NewClient(startFake(t, f), "tok", parley.WithReconnectBackoff(50*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	for _, err := range c.Subscribe(ctx, testSession, 0).Events() {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ended with %v", err)
		}
	}
	// Doubling waits of at least 25, 50, 100, 200, 400 ms allow at most 5
	// attempts in 600 ms; restarting at 50 ms each time would make 12 or more.
	if n := len(f.seen()); n < 2 || n > 5 {
		t.Fatalf("%d attempts in 600ms, want 2 to 5", n)
	}
}

// TestSubscribeCancelDuringBackoff: cancelling while waiting to reconnect
// ends the loop at once with the context's error.
func TestSubscribeCancelDuringBackoff(t *testing.T) {
	f := &fakeSessions{script: func(ctx context.Context, n int, req *sessionv1.SubscribeRequest, st *connect.ServerStream[sessionv1.SubscribeResponse]) error {
		return connect.NewError(connect.CodeUnavailable, errors.New("down"))
	}}
	c, err := parley.NewClient(startFake(t, f), "tok", parley.WithReconnectBackoff(time.Hour, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-f.more // the first attempt failed; the subscription now waits
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	var last error
	for _, err := range c.Subscribe(ctx, testSession, 0).Events() {
		last = err
	}
	if !errors.Is(last, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Fatalf("ended with %v after %v", last, time.Since(start))
	}
}

// TestUnaryCallsCarryTheHeaders: the typed clients send the token and the
// User-Agent, over cleartext HTTP/2, with both protocols; user interceptors
// run and cannot replace the SDK's headers.
func TestUnaryCallsCarryTheHeaders(t *testing.T) {
	protocols(t, func(t *testing.T, opts ...parley.Option) {
		f := &fakeSessions{}
		url := startFake(t, f)
		var intercepted int
		ic := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				intercepted++
				req.Header().Set("Authorization", "Bearer not-mine")
				return next(ctx, req)
			}
		})
		for _, token := range []string{"tok_abc", ""} {
			c, err := parley.NewClient(url+"/", token, append(opts, parley.WithInterceptors(ic))...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Sessions.GetSession(context.Background(), connect.NewRequest(&sessionv1.GetSessionRequest{SessionId: testSession}))
			if err != nil || res.Msg.GetSession().GetId() != testSession {
				t.Fatalf("GetSession: %v %v", res, err)
			}
			calls := f.seen()
			call := calls[len(calls)-1]
			wantAuth := ""
			if token != "" {
				wantAuth = "Bearer " + token
			}
			if token == "" {
				wantAuth = "Bearer not-mine" // nothing to win over
			}
			if call.auth != wantAuth || !strings.HasPrefix(call.userAgent, "parley-go/") || call.proto != 2 {
				t.Fatalf("token %q: server saw Authorization %q, User-Agent %q, HTTP/%d", token, call.auth, call.userAgent, call.proto)
			}
		}
		if intercepted != 2 {
			t.Fatalf("interceptor ran %d times, want 2", intercepted)
		}
	})
}

func TestNewClientRejectsBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://example.com", "http://", "https://example.com/?a=b", "http://exa mple.com"} {
		if _, err := parley.NewClient(u, "tok"); err == nil {
			t.Errorf("NewClient(%q) accepted it", u)
		}
	}
	if _, err := parley.NewClient("http://localhost:8080", "tok\nX-Evil: 1"); err == nil {
		t.Error("NewClient accepted a token with a line break")
	}
	for _, u := range []string{"http://localhost:8080", "https://parley.example.com/", "https://example.com/parley"} {
		if _, err := parley.NewClient(u, ""); err != nil {
			t.Errorf("NewClient(%q): %v", u, err)
		}
	}
}
