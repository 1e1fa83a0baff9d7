package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

// arrivals matches bot messages seen on the streams to the triggers that
// caused them, by the order number rendered into the text.
type arrivals struct {
	mu   sync.Mutex
	sent map[string]time.Time
	got  latencies
	// answered are the times from sending each trigger to its HTTP answer,
	// which comes once the run is committed.
	answered latencies
	// arrived is signalled once per matched message.
	arrived chan struct{}
}

func newArrivals() *arrivals {
	return &arrivals{sent: map[string]time.Time{}, arrived: make(chan struct{}, 1<<16)}
}

// trigger sends the trigger of order (fn) and records when it was sent
// and when answered.
func (a *arrivals) trigger(order string, fn func() error) error {
	at := time.Now()
	a.mu.Lock()
	a.sent[order] = at
	a.mu.Unlock()
	if err := fn(); err != nil {
		return err
	}
	took := time.Since(at)
	a.mu.Lock()
	a.answered = append(a.answered, took)
	a.mu.Unlock()
	return nil
}

func (a *arrivals) onEvent(_ int, ev *sessionv1.SessionEvent, at time.Time) {
	if ev.GetActor() != sessionv1.Actor_ACTOR_BOT {
		return
	}
	text := ev.GetMessage().GetText()
	order, ok := strings.CutPrefix(text, "Hello Ada, your order ")
	if !ok {
		return
	}
	order = strings.TrimSuffix(order, " has shipped.")
	a.mu.Lock()
	t, ok := a.sent[order]
	if ok {
		delete(a.sent, order)
		a.got = append(a.got, at.Sub(t))
	}
	a.mu.Unlock()
	if ok {
		select {
		case a.arrived <- struct{}{}:
		default:
		}
	}
}

// reset starts a new measurement and returns the last one's latencies to
// the stream and to the answer, and how many sent triggers never showed up.
func (a *arrivals) reset() (got, answered latencies, missing int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	got, answered, missing = a.got, a.answered, len(a.sent)
	a.got, a.answered, a.sent = nil, nil, map[string]time.Time{}
	return got, answered, missing
}

func (a *arrivals) pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sent)
}

func runLatency(ctx context.Context, e *env, r *Result) error {
	n := e.opts.size(1000, 20)
	sessions, err := e.createSessions(ctx, n)
	if err != nil {
		return err
	}
	if err := e.settle(ctx, sessions, 4); err != nil {
		return err
	}
	a := newArrivals()
	subs, err := e.subscribe(ctx, sessions, a.onEvent)
	if err != nil {
		return err
	}
	defer subs.close()
	r.note("%d sessions each with a Subscribe stream (HTTP/2, %d per connection); latency is from sending the REST trigger to reading the bot message on the stream; open-loop load for %s per rate",
		n, streamsPerConn, e.opts.Duration)

	unloaded := e.opts.size(200, 20)
	for rep := range e.opts.Repeat {
		wf, err := e.publish(ctx, fmt.Sprintf("bench: latency unloaded #%d", rep), messageWorkflow())
		if err != nil {
			return err
		}
		for i := range unloaded {
			order := fmt.Sprintf("u%d-%d", rep, i)
			if err := a.trigger(order, func() error {
				_, err := e.trigger(ctx, wf, sessions[i%n].id, map[string]any{"name": "Ada", "order": order})
				return err
			}); err != nil {
				return err
			}
			if err := a.wait(ctx, 0, 10*time.Second); err != nil {
				return err
			}
		}
		got, answered, missing := a.reset()
		e.record(r, "unloaded", got, answered, missing, unloaded)
	}
	for _, rate := range e.opts.Rates {
		for rep := range e.opts.Repeat {
			wf, err := e.publish(ctx, fmt.Sprintf("bench: latency %d/s #%d", rate, rep), messageWorkflow())
			if err != nil {
				return err
			}
			sent, refused, achieved := e.offer(ctx, rate, e.opts.Duration, func(i int) error {
				order := fmt.Sprintf("r%d-%d-%d", rate, rep, i)
				return a.trigger(order, func() error {
					_, err := e.trigger(ctx, wf, sessions[i%n].id, map[string]any{"name": "Ada", "order": order})
					return err
				})
			})
			if err := a.wait(ctx, refused, 30*time.Second); err != nil {
				r.note("%d/s #%d: %v", rate, rep, err)
			}
			got, answered, missing := a.reset()
			label := fmt.Sprintf("%d/s", rate)
			e.record(r, label, got, answered, missing-refused, sent-refused)
			r.add("achieved_rate "+label, "triggers/s", achieved)
			r.check("triggers refused "+label+fmt.Sprintf(" #%d", rep), refused == 0, "%d of %d", refused, sent)
		}
	}
	if broken := subs.broken(); len(broken) > 0 {
		r.check("streams stayed open", false, "%d broke, first: %v", len(broken), broken[0])
	}
	r.target("p50 500/s", "<= 2 ms")
	r.target("p99 500/s", "<= 10 ms")
	return nil
}

// wait waits until at most left sent triggers have no message yet.
func (a *arrivals) wait(ctx context.Context, left int, timeout time.Duration) error {
	deadline := time.After(timeout)
	for a.pending() > left {
		select {
		case <-a.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("%d messages did not arrive within %s", a.pending()-left, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// record adds a load level's latency percentiles, to the stream and to the
// trigger's answer, and checks that every message arrived.
func (e *env) record(r *Result, label string, got, answered latencies, missing, sent int) {
	e.progress("latency %s: %d messages, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; answered p50 %.2f ms, p99 %.2f ms",
		label, len(got), got.ms(50), got.ms(99), got.ms(99.9), answered.ms(50), answered.ms(99))
	r.add("p50 "+label, "ms", got.ms(50))
	r.add("p99 "+label, "ms", got.ms(99))
	r.add("p99.9 "+label, "ms", got.ms(99.9))
	r.add("answered p50 "+label, "ms", answered.ms(50))
	r.add("answered p99 "+label, "ms", answered.ms(99))
	r.check("every message arrived "+label, missing == 0 && len(got) == sent, "%d of %d arrived on the streams", len(got), sent)
}

// offer calls fn(i) at rate per second for d, each call on its own
// goroutine (open loop: a slow answer does not slow the offered load), and
// returns how many it started, how many failed and the rate it achieved.
func (e *env) offer(ctx context.Context, rate int, d time.Duration, fn func(i int) error) (sent, failed int, achieved float64) {
	var wg sync.WaitGroup
	var bad atomic.Int64
	began := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; ; i++ {
		due := began.Add(time.Duration(i) * interval)
		if due.Sub(began) >= d || ctx.Err() != nil {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		sent++
		go func() {
			defer wg.Done()
			if err := fn(i); err != nil {
				if bad.Add(1) == 1 {
					e.progress("trigger refused: %v", err)
				}
			}
		}()
	}
	achieved = float64(sent) / time.Since(began).Seconds()
	wg.Wait()
	return sent, int(bad.Load()), achieved
}
