package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// Programmatic starts that arrive together are committed together (group
// commit): one transaction locks all their sessions in one statement, runs
// each start in a savepoint of its own, and writes their runs, steps,
// events and sessions with one statement per table (the store merges
// queued rows). PostgreSQL's fixed cost of a statement and of a commit is
// then paid once per batch, not once per start. Nothing waits to fill a
// batch: a start that finds no batch running starts one at once, alone,
// and the starts that arrive while batches run go in the next one.
const (
	// maxStartBatch bounds the starts in one transaction.
	maxStartBatch = 64
	// startTimeout bounds one batch's transaction.
	startTimeout = 30 * time.Second
)

// startBatcher queues programmatic starts and runs them in batches, at most
// cap(leaders) batches at once. A start's caller that finds a free slot
// leads: it runs batches of what waits until its own start is done, then
// gives the slot up to a caller still waiting.
type startBatcher struct {
	e       *Engine
	mu      sync.Mutex
	queue   []*startCall
	leaders chan struct{}
}

// startCall is one programmatic start and, once done is closed, its answer.
type startCall struct {
	ctx         context.Context
	workspaceID uuid.UUID
	start       Start
	key         *string
	hash        []byte
	run         domain.Run
	err         error
	done        chan struct{}
}

func newStartBatcher(e *Engine, concurrent int) *startBatcher {
	return &startBatcher{e: e, leaders: make(chan struct{}, concurrent)}
}

// do runs c and returns when it is done. It waits for its answer even when
// c.ctx ends: the start may be committing by then, and its caller must
// hear whether it was. A start whose ctx ended before its batch began is
// not run.
func (b *startBatcher) do(c *startCall) {
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	select {
	case <-c.done:
		return
	case b.leaders <- struct{}{}:
	}
	b.lead(c)
	<-c.done
}

// lead runs batches until c is done or taken by another leader.
func (b *startBatcher) lead(c *startCall) {
	defer func() { <-b.leaders }()
	for !closed(c.done) {
		batch := b.take()
		if len(batch) == 0 {
			return // another leader has c
		}
		b.e.runStarts(batch)
	}
}

// take removes the next batch from the queue.
func (b *startBatcher) take() []*startCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), maxStartBatch)
	batch := append([]*startCall(nil), b.queue[:n]...)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	return batch
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// runStarts runs a batch of starts and closes their done channels. When
// the transaction fails as a whole (a write one start queued failed at
// commit, an idempotency key taken concurrently say), each start goes again
// in a transaction of its own, so each gets its own answer.
func (e *Engine) runStarts(calls []*startCall) {
	defer func() {
		if p := recover(); p != nil { // answer the others, then fail as the caller would have
			for _, c := range calls {
				if !closed(c.done) {
					c.run, c.err = domain.Run{}, fmt.Errorf("start of workflow %s: %v", domain.PrefixWorkflow.Format(c.start.WorkflowID), p)
					close(c.done)
				}
			}
			panic(p)
		}
	}()
	if err := e.tryStarts(calls); err != nil {
		if len(calls) == 1 {
			calls[0].run, calls[0].err = domain.Run{}, err
		} else {
			for _, c := range calls {
				if err := e.tryStarts([]*startCall{c}); err != nil {
					c.run, c.err = domain.Run{}, err
				}
			}
		}
	}
	for _, c := range calls {
		close(c.done)
	}
}

// tryStarts runs starts in one transaction: it sets each start's run or
// error, and returns the transaction's error.
func (e *Engine) tryStarts(calls []*startCall) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return e.store.InTx(ctx, func(ctx context.Context) error {
		var (
			todo   []*startCall
			starts []store.Start
		)
		for _, c := range calls {
			c.run, c.err = domain.Run{}, c.ctx.Err()
			if c.err == nil {
				todo = append(todo, c)
				starts = append(starts, store.Start{WorkspaceID: c.workspaceID, SessionID: c.start.SessionID, WorkflowID: c.start.WorkflowID})
			}
		}
		if len(todo) == 0 {
			return nil
		}
		locked, err := e.store.LockSessionsToStart(ctx, starts)
		if err != nil {
			return err
		}
		seen := make(map[[2]uuid.UUID]bool, len(todo))
		for i, c := range todo {
			l, session := locked[i], [2]uuid.UUID{c.workspaceID, c.start.SessionID}
			if seen[session] {
				l = nil // an earlier start in the batch may have changed it: read it again
			}
			seen[session] = true
			c.err = e.store.Savepoint(ctx, func(ctx context.Context) error {
				r, err := e.startLocked(ctx, c, l)
				if err == nil {
					c.run = r
				}
				return err
			})
		}
		return nil
	})
}
