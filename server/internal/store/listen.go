package store

import (
	"context"
	"errors"
	"time"

	"github.com/parleyhq/parley/gen/db"
)

// Listen receives the notifications of a PostgreSQL channel on a dedicated
// connection and calls onNotify with each payload, until ctx ends. When the
// connection breaks it calls onLost (if not nil), reconnects (backing off up
// to 5 s) and calls onResync: notifications sent meanwhile are lost, so
// whoever relies on them must re-read what they stand for. onResync is also
// called once the first LISTEN is in place, and onLost when Listen returns.
func (s *Store) Listen(ctx context.Context, channel string, onNotify func(payload string), onResync, onLost func()) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, channel, onNotify, onResync, func() { backoff = 100 * time.Millisecond })
		if onLost != nil {
			onLost()
		}
		if ctx.Err() != nil || err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, channel string, onNotify func(string), onResync, connected func()) error {
	pooled, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection will carry a LISTEN: take it out of the pool for good.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(channel)); err != nil {
		return err
	}
	connected()
	onResync()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return err
		}
		onNotify(n.Payload)
	}
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}

// Notify sends payload on a channel, to every replica's Listen; in a
// transaction it is sent when the transaction commits.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	return s.q.Notify(ctx, s.conn(ctx), db.NotifyParams{Channel: channel, Payload: payload})
}

// NotifyMany sends payloads on a channel at once, outside any transaction.
func (s *Store) NotifyMany(ctx context.Context, channel string, payloads []string) error {
	return s.q.NotifyMany(ctx, s.pool, db.NotifyManyParams{Channel: channel, Payloads: payloads})
}
