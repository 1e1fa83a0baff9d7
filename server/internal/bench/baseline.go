package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/parleyhq/parley/server/internal/embeddedpg"
)

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runBaseline measures the PostgreSQL ceiling the server works under:
// pgbench committing one single-row INSERT (identity key, jsonb column) per
// transaction, durably, at each client count of the throughput scenario.
func runBaseline(ctx context.Context, e *env, r *Result) error {
	pgbench, err := embeddedpg.Program(ctx, "pgbench")
	if err != nil {
		return err
	}
	var syncCommit string
	if err := e.db.QueryRow(ctx, "SHOW synchronous_commit").Scan(&syncCommit); err != nil {
		return err
	}
	if _, err := e.db.Exec(ctx, `DROP TABLE IF EXISTS bench_baseline;
		CREATE TABLE bench_baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL)`); err != nil {
		return err
	}
	defer e.db.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS bench_baseline")
	script := filepath.Join(os.TempDir(), "parley-bench-insert-"+randomHex(4)+".sql")
	if err := os.WriteFile(script, []byte(`INSERT INTO bench_baseline (payload) VALUES ('{"text": "Hello Ada, your order 42 has shipped."}');`+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(script)
	seconds := max(1, int(e.opts.Duration.Seconds()))
	r.note("%s, synchronous_commit=%s, %d s per measurement, -j 2, prepared statements", filepath.Base(pgbench), syncCommit, seconds)
	var best []float64
	for _, c := range e.opts.Concurrency {
		var got []float64
		for range e.opts.Repeat {
			cmd := exec.CommandContext(ctx, pgbench, "-n", "-M", "prepared", "-f", script, "-c", strconv.Itoa(c), "-j", strconv.Itoa(min(c, 2)),
				"-T", strconv.Itoa(seconds), e.opts.DatabaseURL)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("pgbench: %v\n%s", err, out)
			}
			m := tpsLine.FindSubmatch(out)
			if m == nil {
				return fmt.Errorf("pgbench printed no tps:\n%s", out)
			}
			tps, _ := strconv.ParseFloat(string(m[1]), 64)
			e.progress("pgbench c=%d: %.0f tps", c, tps)
			r.add(fmt.Sprintf("insert_tps c=%d", c), "tx/s", tps)
			got = append(got, tps)
		}
		if best == nil || median(got) > median(best) {
			best = got
		}
	}
	f := r.add("insert_tps", "tx/s", 0)
	f.Samples = slices.Clone(best)
	var rows int
	if err := e.db.QueryRow(ctx, "SELECT count(*) FROM bench_baseline").Scan(&rows); err != nil {
		return err
	}
	r.check("rows inserted", rows > 0, "%d rows committed", rows)
	return nil
}
