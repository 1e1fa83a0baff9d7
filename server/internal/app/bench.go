package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/server/internal/bench"
)

const benchUsage = `Usage: parley bench [flags] SCENARIO... (or all)

Starts a server on a fresh embedded PostgreSQL (unless --url is given),
runs the scenarios against it, prints a table and writes a JSON report.

Scenarios:
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o bench.Options
	fs := flag.NewFlagSet("parley bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		bench.Describe(stderr)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.URL, "url", "", "base URL of a running server (default: start one here)")
	fs.StringVar(&o.Token, "token", "", "API token of the running server (with --url)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "the running server's database (with --url); results are checked there")
	fs.BoolVar(&o.Smoke, "smoke", false, "tiny sizes: check that every scenario works, assert nothing about speed")
	fs.IntVar(&o.Repeat, "repeat", 0, "measurements per figure (default 3; 1 with --smoke)")
	fs.DurationVar(&o.Duration, "duration", 0, "load time of one throughput or latency measurement (default 5s; 1s with --smoke)")
	ints := func(p *[]int, name, usage string) {
		fs.Func(name, usage, func(v string) error {
			*p = nil
			for _, f := range strings.Split(v, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n <= 0 {
					return fmt.Errorf("%q is not a positive number", f)
				}
				*p = append(*p, n)
			}
			return nil
		})
	}
	ints(&o.Concurrency, "concurrency", "trigger-throughput client counts, comma-separated (default 1,4,16,64)")
	ints(&o.Rates, "rates", "trigger-latency offered loads per second (default 100,500,1000)")
	ints(&o.Streams, "streams", "idle stream counts (default 10000,50000)")
	ints(&o.Workflows, "workflows", "matching: active workflow counts (default 10,10000)")
	fs.IntVar(&o.Timers, "timers", 0, "pending delays of the timers scenario (default 100000)")
	fs.DurationVar(&o.TimersLead, "timers-lead", 0, "when the first delay comes due, after it is set; longer than setting them takes (default 7m)")
	fs.DurationVar(&o.TimersSpread, "timers-spread", 0, "how long the delays keep coming due (default 1m)")
	fs.StringVar(&o.Out, "out", "bench.json", "JSON report path (empty: none)")
	fs.StringVar(&o.Server, "server", "", "parley binary to start (default: this one)")
	fs.Func("server-env", "KEY=VALUE added to the started server's environment, e.g. GOGC=off (repeatable)", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("%q is not KEY=VALUE", v)
		}
		o.ServerEnv = append(o.ServerEnv, v)
		return nil
	})
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if o.URL != "" && len(o.ServerEnv) > 0 {
		return fmt.Errorf("--server-env applies to a server started here, not to the one at --url")
	}
	if !*quiet {
		o.Progress = stderr
	}
	_, err := bench.Run(ctx, fs.Args(), o, stdout)
	return err
}
