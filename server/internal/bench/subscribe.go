package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/parleyhq/parley/clients/go/parley"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

// streamsPerConn is how many Subscribe streams share one HTTP/2
// connection (the server allows 250 at once on one).
const streamsPerConn = 200

// subscriptions are open Subscribe streams, one per session.
type subscriptions struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	// errs are the streams that ended with an error before cancel.
	errs []error
}

// subscribe opens a Subscribe stream on each session after its newest
// event, calls onEvent(i, event, received) for every event of session i,
// and returns once every stream has had its opening heartbeat.
func (e *env) subscribe(ctx context.Context, sessions []benchSession, onEvent func(i int, ev *sessionv1.SessionEvent, at time.Time)) (*subscriptions, error) {
	ctx, cancel := context.WithCancel(ctx)
	subs := &subscriptions{cancel: cancel}
	ready := make(chan error, len(sessions))
	// At most this many streams are being opened at once.
	opening := make(chan struct{}, 256)
	var client *parley.Client
	for i, s := range sessions {
		if i%streamsPerConn == 0 {
			var err error
			if client, err = parley.NewClient(e.url, e.token, parley.WithHTTPClient(h2cClient())); err != nil {
				cancel()
				return nil, err
			}
		}
		subs.wg.Add(1)
		opening <- struct{}{}
		go func(c *parley.Client) {
			defer subs.wg.Done()
			opened := false
			defer func() {
				if !opened {
					<-opening
				}
			}()
			stream, err := c.Sessions.Subscribe(ctx, connect.NewRequest(&sessionv1.SubscribeRequest{SessionId: s.id, AfterSequence: s.last}))
			if err != nil {
				ready <- err
				return
			}
			defer stream.Close()
			for stream.Receive() {
				at := time.Now()
				if !opened {
					opened = true
					<-opening
					ready <- nil
				}
				if ev := stream.Msg().GetEvent(); ev != nil {
					onEvent(i, ev, at)
				}
			}
			if !opened {
				ready <- fmt.Errorf("stream of %s: %w", s.id, stream.Err())
			} else if ctx.Err() == nil {
				subs.mu.Lock()
				subs.errs = append(subs.errs, fmt.Errorf("stream of %s ended: %w", s.id, stream.Err()))
				subs.mu.Unlock()
			}
		}(client)
	}
	for range sessions {
		select {
		case err := <-ready:
			if err != nil {
				subs.close()
				return nil, err
			}
		case <-time.After(2 * time.Minute):
			subs.close()
			return nil, fmt.Errorf("not every one of %d streams opened within 2 minutes", len(sessions))
		}
	}
	return subs, nil
}

// close ends the streams and waits for them.
func (s *subscriptions) close() {
	s.cancel()
	s.wg.Wait()
}

// broken reports the streams that failed while open.
func (s *subscriptions) broken() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}
