package bench

import (
	"math"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{0: 1, 10: 1, 50: 5, 90: 9, 99: 10, 99.9: 10, 100: 10} {
		if got := percentile(s, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Error("the percentile of nothing must be NaN, not 0")
	}
	l := latencies{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}
	if got := l.ms(50); got != 2 {
		t.Errorf("median of 1, 2, 3 ms = %v", got)
	}
}

func TestFiguresGetMedianSpreadAndBaselineRatio(t *testing.T) {
	rep := &Report{}
	base := &Result{Name: "baseline"}
	base.add("insert_tps", "tx/s", 6000)
	base.add("insert_tps", "tx/s", 4000)
	base.add("insert_tps", "tx/s", 5000)
	run := &Result{Name: "trigger-throughput"}
	run.add("peak_completed_runs_per_s", "runs/s", 2500)
	run.add("http_p50 c=1", "ms", 3)
	for _, r := range []*Result{base, run} {
		r.finish()
		rep.Scenarios = append(rep.Scenarios, r)
	}
	rep.addRatios()
	f := base.Figures[0]
	if f.Median != 5000 || f.Min != 4000 || f.Max != 6000 {
		t.Fatalf("baseline median %v spread %v..%v, want 5000 in 4000..6000", f.Median, f.Min, f.Max)
	}
	if r := run.Figures[0].Ratio; r == nil || *r != 0.5 {
		t.Fatalf("throughput ratio %v, want 0.5", r)
	}
	if run.Figures[1].Ratio != nil {
		t.Fatal("a latency got a baseline ratio")
	}
	run.check("x", false, "broken")
	if run.ok() {
		t.Fatal("a failed check must fail the scenario")
	}
}
