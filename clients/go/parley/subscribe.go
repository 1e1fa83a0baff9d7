package parley

import (
	"context"
	"iter"
	"math/rand/v2"
	"sync"
	"time"

	"connectrpc.com/connect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/gen/parley/session/v1/sessionv1connect"
)

// Subscription follows the event log of one session across disconnections.
// Create it with Client.Subscribe and read it with a range loop over
// Events.
type Subscription struct {
	ctx       context.Context
	sessions  sessionv1connect.SessionServiceClient
	sessionID string

	backoffMin, backoffMax time.Duration
	idleTimeout            time.Duration

	mu   sync.Mutex
	last int64 // sequence of the newest event delivered (or the start)
	err  error // why the subscription stopped for good
}

// Subscribe follows the events of session sessionID with a sequence
// greater than afterSequence: first those already in the log, then new ones
// as they happen. Pass 0 for the whole log, or a sequence you have already
// processed (Session.LastSequence, Subscription.LastSequence) to resume.
//
// Nothing is sent until the Subscription is read. Reading it opens a
// SessionService.Subscribe stream and, whenever that stream fails or ends,
// reopens it after a backoff (see WithReconnectBackoff), asking for the
// events after the last one delivered, so none is missed or delivered
// twice. Sequences increase strictly; they may skip numbers for events the
// credential may not see (a widget's session token does not see private
// notes or notifications). Heartbeats and streamed message deltas are not
// delivered.
//
// The subscription stops for good when ctx ends, or when the server refuses
// the stream with unauthenticated, permission_denied, not_found,
// invalid_argument or unimplemented, which retrying cannot fix. Every other
// failure (unavailable, internal, a reset connection, a server restart, a
// stream idle for longer than the idle timeout) is retried indefinitely.
func (c *Client) Subscribe(ctx context.Context, sessionID string, afterSequence int64) *Subscription {
	return &Subscription{
		ctx:         ctx,
		sessions:    c.Sessions,
		sessionID:   sessionID,
		backoffMin:  c.backoffMin,
		backoffMax:  c.backoffMax,
		idleTimeout: c.idleTimeout,
		last:        afterSequence,
	}
}

// Events returns the subscription's events, in sequence order, for a range
// loop:
//
//	for ev, err := range sub.Events() {
//		if err != nil {
//			return err // the subscription has stopped; err == sub.Err()
//		}
//		handle(ev)
//	}
//
// Each pair is either an event and a nil error, or, last, a nil event and
// the error that stopped the subscription for good: a *connect.Error (see
// Subscribe) or the context's error once the context passed to Subscribe
// ends. Connection failures that are retried are not reported.
//
// Breaking out of the loop closes the stream and keeps the subscription:
// a later Events loop continues after the last event delivered. Ranging
// over a stopped subscription yields its error again. A Subscription must
// not be read by two loops at the same time.
func (s *Subscription) Events() iter.Seq2[*sessionv1.SessionEvent, error] {
	return func(yield func(*sessionv1.SessionEvent, error) bool) {
		if err := s.Err(); err != nil {
			yield(nil, err)
			return
		}
		failures := 0 // consecutive attempts that were not working
		for {
			if err := s.ctx.Err(); err != nil {
				s.stop(err)
				yield(nil, err)
				return
			}
			working, stopped, err := s.follow(yield)
			if stopped {
				return
			}
			if ctxErr := s.ctx.Err(); ctxErr != nil {
				s.stop(ctxErr)
				yield(nil, ctxErr)
				return
			}
			if err != nil && !retryable(err) {
				s.stop(err)
				yield(nil, err)
				return
			}
			if working {
				failures = 0
			}
			t := time.NewTimer(s.backoff(failures))
			select {
			case <-s.ctx.Done():
				t.Stop()
			case <-t.C:
			}
			failures++
		}
	}
}

// Err returns the error that stopped the subscription for good (see
// Events), or nil while it can still deliver events. It is safe to call from
// any goroutine.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// LastSequence returns the sequence of the newest event delivered, or the
// afterSequence passed to Subscribe before any: where a new subscription
// would resume. It is safe to call from any goroutine.
func (s *Subscription) LastSequence() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *Subscription) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// follow runs one stream until it ends, passing its new events to yield. It
// reports whether the stream was working (it delivered a new event, or
// stayed open at least as long as the longest backoff), whether yield asked
// to stop, and how the stream ended.
func (s *Subscription) follow(yield func(*sessionv1.SessionEvent, error) bool) (working, stopped bool, err error) {
	opened := time.Now()
	defer func() { working = working || time.Since(opened) >= s.backoffMax }()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	var idle *time.Timer
	if s.idleTimeout > 0 {
		// A stream that delivers nothing, not even the periodic heartbeat,
		// is stuck: cancel it, which ends Receive with an error and gets the
		// stream reopened.
		idle = time.AfterFunc(s.idleTimeout, cancel)
		defer idle.Stop()
	}
	stream, err := s.sessions.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{
		SessionId:     s.sessionID,
		AfterSequence: s.LastSequence(),
	}))
	if err != nil {
		return false, false, err
	}
	defer func() {
		cancel() // first, so that closing never waits on a live stream
		_ = stream.Close()
	}()
	for stream.Receive() {
		ev := stream.Msg().GetEvent()
		if ev == nil || ev.GetSequence() <= s.LastSequence() {
			if idle != nil {
				idle.Reset(s.idleTimeout)
			}
			continue // heartbeat, delta, or an event already delivered
		}
		s.mu.Lock()
		s.last = ev.GetSequence()
		s.mu.Unlock()
		working = true
		// The caller's time with the event does not count as idleness.
		if idle != nil {
			idle.Stop()
		}
		if !yield(ev, nil) {
			return true, true, nil
		}
		if idle != nil {
			idle.Reset(s.idleTimeout)
		}
	}
	return working, false, stream.Err()
}

// backoff is the wait before the next attempt after failures consecutive
// attempts that were not working: backoffMin doubled per failure, capped at
// backoffMax, minus a random jitter of up to half.
func (s *Subscription) backoff(failures int) time.Duration {
	d := s.backoffMin
	for range failures {
		if d >= s.backoffMax/2 {
			d = s.backoffMax
			break
		}
		d *= 2
	}
	d = min(d, s.backoffMax)
	half := d / 2
	if half <= 0 {
		return d
	}
	return d - rand.N(half+1)
}

// retryable says whether reopening a stream that failed with err can help.
// A nil err (the server ended the stream, e.g. while shutting down) can.
func retryable(err error) bool {
	if err == nil {
		return true
	}
	switch connect.CodeOf(err) {
	case connect.CodeUnauthenticated, connect.CodePermissionDenied, connect.CodeNotFound,
		connect.CodeInvalidArgument, connect.CodeUnimplemented:
		return false
	}
	return true
}
