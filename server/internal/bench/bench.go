// Package bench measures what Parley's users feel: how many triggers per
// second one server durably runs, how fast a triggered message reaches a
// subscribed widget, how many idle streams one process holds, how late
// pending timers fire, whether trigger cost stays flat as workflows grow,
// and, for scale, what the same PostgreSQL does with single-row INSERTs.
//
// Each scenario drives a real server through its public API (the generated
// Go client and plain HTTP) and checks its own results in the database, so
// a fast but wrong run fails. `parley bench` starts the server itself on a
// fresh embedded PostgreSQL unless given one by URL.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Options configure a benchmark session. Zero values take the defaults of
// the scale (full, or Smoke).
type Options struct {
	// URL, Token and DatabaseURL name a running server and its database;
	// an empty URL starts `Server serve` on a fresh embedded PostgreSQL.
	URL, Token, DatabaseURL string
	// Server is the parley binary to start (default: this executable).
	Server string
	// ServerEnv is added to the started server's environment, KEY=VALUE
	// each (for example GOGC=off); the load generator keeps its own.
	ServerEnv []string
	// Smoke runs every scenario at a tiny size: it checks that the harness
	// works and asserts nothing about speed.
	Smoke bool
	// Repeat is how many times each measurement is taken (median and
	// spread are reported over them).
	Repeat int
	// Duration is how long one throughput or latency measurement offers
	// load.
	Duration time.Duration
	// Concurrency lists the trigger-throughput client counts, tried in
	// order until throughput stops growing.
	Concurrency []int
	// Rates lists the trigger-to-stream offered loads, triggers per second.
	Rates []int
	// Streams lists the idle stream counts.
	Streams []int
	// Timers is how many delays the timers scenario holds; TimersLead is
	// how long after being set the first comes due, and TimersSpread how
	// long they keep coming due after that.
	Timers                   int
	TimersLead, TimersSpread time.Duration
	// Workflows lists the workflow counts of the matching scenario.
	Workflows []int
	// Out is where the JSON report is written ("" writes none).
	Out string
	// Progress receives one line per step as the scenarios run.
	Progress io.Writer
}

func (o *Options) defaults() {
	o.Repeat = cmpOr(o.Repeat, o.size(3, 1))
	o.Duration = cmpOr(o.Duration, sized(o.Smoke, 5*time.Second, time.Second))
	o.Timers = cmpOr(o.Timers, o.size(100_000, 300))
	o.TimersLead = cmpOr(o.TimersLead, sized(o.Smoke, 7*time.Minute, 4*time.Second))
	o.TimersSpread = cmpOr(o.TimersSpread, sized(o.Smoke, time.Minute, 2*time.Second))
	if o.Concurrency == nil {
		o.Concurrency = sized(o.Smoke, []int{1, 4, 16, 64}, []int{1, 4})
	}
	if o.Rates == nil {
		o.Rates = sized(o.Smoke, []int{100, 500, 1000}, []int{50})
	}
	if o.Streams == nil {
		o.Streams = sized(o.Smoke, []int{10_000, 50_000}, []int{200})
	}
	if o.Workflows == nil {
		o.Workflows = sized(o.Smoke, []int{10, 10_000}, []int{10, 100})
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// size is full, or small with Smoke.
func (o Options) size(full, small int) int { return sized(o.Smoke, full, small) }

func sized[T any](smoke bool, full, small T) T {
	if smoke {
		return small
	}
	return full
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// scenario is one named measurement.
type scenario struct {
	name, about string
	run         func(ctx context.Context, e *env, r *Result) error
}

// Scenarios in the order "all" runs them: the baseline first, so every
// throughput figure can be set against it.
var scenarios = []scenario{
	{"baseline", "pgbench single-row INSERTs on the server's own PostgreSQL: the durable-commit ceiling", runBaseline},
	{"trigger-throughput", "REST triggers of a 3-node workflow on distinct sessions, rising concurrency", runThroughput},
	{"trigger-latency", "time from sending a trigger to its bot message on the session's Subscribe stream", runLatency},
	{"streams", "idle Subscribe streams on one process: memory each, then one event to every session", runStreams},
	{"timers", "pending delays: idle cost while they wait, lateness when they fire", runTimers},
	{"matching", "trigger throughput with few versus many active event-triggered workflows", runMatching},
}

// Names lists the scenarios.
func Names() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

// Describe writes one line per scenario.
func Describe(w io.Writer) {
	for _, s := range scenarios {
		fmt.Fprintf(w, "  %-20s %s\n", s.name, s.about)
	}
}

// Run runs the named scenarios ("all" for every one), prints a table of
// the figures to out and writes the JSON report. A scenario whose checks
// fail makes Run return an error after the others have run.
func Run(ctx context.Context, names []string, opts Options, out io.Writer) (*Report, error) {
	opts.defaults()
	var chosen []scenario
	for _, n := range names {
		if n == "all" {
			chosen = scenarios
			break
		}
		i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q (one of: %s, all)", n, strings.Join(Names(), ", "))
		}
		chosen = append(chosen, scenarios[i])
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("name a scenario (one of: %s, all)", strings.Join(Names(), ", "))
	}

	e, err := newEnv(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rep := &Report{Started: time.Now().UTC(), Machine: e.machine(ctx), Settings: opts.settings(), Server: e.serverInfo()}
	time.Sleep(settle)
	if u, ok := e.serverUsage(); ok {
		rep.Server["idle_rss_mib_at_start"] = u.rssMiB
		fmt.Fprintf(out, "server: %.1f MiB resident when idle after start (target <= 60 MiB)\n", u.rssMiB)
	}
	var failed []string
	for _, s := range chosen {
		r := &Result{Name: s.name, About: s.about}
		e.progress("== %s: %s", s.name, s.about)
		began := time.Now()
		if err := s.run(ctx, e, r); err != nil {
			r.Error = err.Error()
		}
		r.Seconds = time.Since(began).Seconds()
		if !r.ok() {
			failed = append(failed, s.name)
		}
		rep.Scenarios = append(rep.Scenarios, r)
		r.finish()
		printResult(out, r)
		if ctx.Err() != nil {
			break
		}
	}
	rep.addRatios()
	if opts.Out != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(opts.Out, append(b, '\n'), 0o644); err != nil {
			return rep, err
		}
		fmt.Fprintf(out, "\nreport written to %s\n", opts.Out)
	}
	if len(failed) > 0 {
		return rep, fmt.Errorf("scenarios failed: %s", strings.Join(failed, ", "))
	}
	return rep, ctx.Err()
}

func (o Options) settings() map[string]any {
	return map[string]any{
		"smoke": o.Smoke, "repeat": o.Repeat, "duration_s": o.Duration.Seconds(), "concurrency": o.Concurrency,
		"rates_per_s": o.Rates, "streams": o.Streams, "timers": o.Timers, "timers_lead_s": o.TimersLead.Seconds(),
		"timers_spread_s": o.TimersSpread.Seconds(), "workflows": o.Workflows, "server_started_here": o.URL == "",
		"server_env": o.ServerEnv,
	}
}
