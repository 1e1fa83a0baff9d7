package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

// settle is how long the server is left alone before its memory or idle
// CPU is read.
const settle = 3 * time.Second

// idleCollections is how many garbage collections the server completes
// with the streams open and idle before their memory is read again. Read
// just after they opened, it misses the garbage of their heartbeats: the
// heap keeps growing until the collector runs, and the process keeps
// what it grew to. By the second collection the heap has reached the
// size it comes back to between collections.
const idleCollections = 2

func runStreams(ctx context.Context, e *env, r *Result) error {
	var sessions []benchSession
	for _, n := range e.opts.Streams {
		if more := n - len(sessions); more > 0 {
			made, err := e.createSessions(ctx, more)
			if err != nil {
				return err
			}
			sessions = append(sessions, made...)
		}
		if err := e.measureStreams(ctx, r, sessions[:n]); err != nil {
			return err
		}
	}
	r.target("rss_per_stream n="+strconv.Itoa(e.opts.Streams[len(e.opts.Streams)-1]), "<= 20 KiB")
	r.target("delivery_p99 n="+strconv.Itoa(e.opts.Streams[len(e.opts.Streams)-1]), "<= 1000 ms")
	r.note("memory per stream is the server's RSS growth over the streams, read once they are idle and the server has completed %d garbage collections (at most %s), and also 3 s after they opened (_open); idle CPU is over that wait", idleCollections, sized(e.opts.Smoke, "8 minutes", "5 s"))
	r.note("each stream is a Subscribe server stream (Connect protocol, HTTP/2, %d per connection) opened after the session's newest event; delivery is one SetData per session through the API, timed from the call to the event on that session's stream", streamsPerConn)
	return nil
}

// measureStreams opens a stream on each session, reads the server's memory
// and idle CPU, then sets one custom data value on every session and times
// each one's arrival.
func (e *env) measureStreams(ctx context.Context, r *Result, sessions []benchSession) error {
	n := len(sessions)
	label := "n=" + strconv.Itoa(n)
	time.Sleep(settle)
	before, measured := e.serverUsage()

	var (
		mu   sync.Mutex
		sent = make([]time.Time, n)
		got  latencies
		done = make(chan struct{}, n)
	)
	onEvent := func(i int, ev *sessionv1.SessionEvent, at time.Time) {
		if ev.GetDataSet().GetKey() != "bench_ping" {
			return
		}
		mu.Lock()
		got = append(got, at.Sub(sent[i]))
		mu.Unlock()
		done <- struct{}{}
	}
	began := time.Now()
	subs, err := e.subscribe(ctx, sessions, onEvent)
	if err != nil {
		return err
	}
	defer subs.close()
	e.progress("%d streams open in %.1f s", n, time.Since(began).Seconds())
	r.add("open_seconds "+label, "s", time.Since(began).Seconds())

	time.Sleep(settle)
	if after, ok := e.serverUsage(); measured && ok {
		limit := sized(e.opts.Smoke, 8*time.Minute, 5*time.Second)
		collected, err := e.awaitCollections(ctx, idleCollections, limit)
		if err != nil {
			return err
		}
		idle, _ := e.serverUsage()
		perStream := func(u usage) float64 { return (u.rssMiB - before.rssMiB) * 1024 / float64(n) }
		r.add("rss_before "+label, "MiB", before.rssMiB)
		r.add("rss_open "+label, "MiB", after.rssMiB)
		r.add("rss_per_stream_open "+label, "KiB", perStream(after))
		r.add("rss_idle "+label, "MiB", idle.rssMiB)
		r.add("rss_per_stream "+label, "KiB", perStream(idle))
		r.add("idle_seconds "+label, "s", idle.at.Sub(after.at).Seconds())
		r.add("idle_collections "+label, "", float64(collected))
		r.add("idle_cpu "+label, "% of a core", 100*cpuShare(after, idle))
		e.progress("%d streams: RSS %.0f -> %.0f MiB once open (%.1f KiB each), %.0f MiB (%.1f KiB each) after %d collections in %.0f s idle, idle CPU %.1f%%",
			n, before.rssMiB, after.rssMiB, perStream(after), idle.rssMiB, perStream(idle), collected, idle.at.Sub(after.at).Seconds(), 100*cpuShare(after, idle))
	}

	began = time.Now()
	err = parallel(ctx, n, 32, func(ctx context.Context, i int) error {
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		_, err := e.api.Sessions.SetData(ctx, connect.NewRequest(&sessionv1.SetDataRequest{
			SessionId: sessions[i].id, Key: "bench_ping", Value: structpb.NewNumberValue(float64(i)),
		}))
		return err
	})
	if err != nil {
		return fmt.Errorf("SetData: %w", err)
	}
	sentIn := time.Since(began)
	arrived := 0
	timeout := time.After(time.Minute)
wait:
	for arrived < n {
		select {
		case <-done:
			arrived++
		case <-timeout:
			break wait
		}
	}
	mu.Lock()
	defer mu.Unlock()
	e.progress("%d events delivered of %d in %.1f s (sent in %.1f s): p50 %.1f ms, p99 %.1f ms", arrived, n, time.Since(began).Seconds(), sentIn.Seconds(), got.ms(50), got.ms(99))
	r.add("delivery_p50 "+label, "ms", got.ms(50))
	r.add("delivery_p99 "+label, "ms", got.ms(99))
	r.add("send_all_seconds "+label, "s", sentIn.Seconds())
	r.check("every stream got its event "+label, arrived == n, "%d of %d", arrived, n)
	broken := subs.broken()
	r.check("streams stayed open "+label, len(broken) == 0, "%d broke", len(broken))
	for i := range sessions {
		sessions[i].last++ // the ping
	}
	return nil
}
