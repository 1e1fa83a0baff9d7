package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what `parley bench` writes as JSON.
type Report struct {
	Started   time.Time      `json:"started"`
	Machine   Machine        `json:"machine"`
	Settings  map[string]any `json:"settings"`
	Server    map[string]any `json:"server"`
	Scenarios []*Result      `json:"scenarios"`
}

// Result is one scenario's figures, checks and notes.
type Result struct {
	Name    string    `json:"name"`
	About   string    `json:"about"`
	Figures []*Figure `json:"figures"`
	Checks  []Check   `json:"checks"`
	Notes   []string  `json:"notes,omitempty"`
	Error   string    `json:"error,omitempty"`
	Seconds float64   `json:"seconds"`
}

// Figure is one measured quantity: each repetition's value, and their
// median and spread (min and max).
type Figure struct {
	Name    string    `json:"name"`
	Unit    string    `json:"unit"`
	Median  float64   `json:"median"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max"`
	Samples []float64 `json:"samples"`
	// Target is the goal the figure is held to, for the reader.
	Target string `json:"target,omitempty"`
	// Ratio is the median over the PostgreSQL baseline, for throughputs
	// (units per second).
	Ratio *float64 `json:"ratio_to_baseline,omitempty"`
}

// Check is a correctness condition a scenario verified in the database.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// add records one repetition's value of a figure.
func (r *Result) add(name, unit string, v float64) *Figure {
	i := slices.IndexFunc(r.Figures, func(f *Figure) bool { return f.Name == name })
	if i < 0 {
		r.Figures = append(r.Figures, &Figure{Name: name, Unit: unit})
		i = len(r.Figures) - 1
	}
	f := r.Figures[i]
	f.Samples = append(f.Samples, v)
	return f
}

// target sets a figure's stated goal.
func (r *Result) target(name, goal string) {
	for _, f := range r.Figures {
		if f.Name == name {
			f.Target = goal
		}
	}
}

// check records a verified condition.
func (r *Result) check(name string, ok bool, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Result) ok() bool {
	return r.Error == "" && !slices.ContainsFunc(r.Checks, func(c Check) bool { return !c.OK })
}

// finish computes each figure's median and spread.
func (r *Result) finish() {
	for _, f := range r.Figures {
		s := slices.Clone(f.Samples)
		slices.Sort(s)
		f.Min, f.Max, f.Median = s[0], s[len(s)-1], percentile(s, 50)
	}
}

// addRatios sets every throughput's ratio to the baseline's TPS.
func (rep *Report) addRatios() {
	var base float64
	for _, r := range rep.Scenarios {
		for _, f := range r.Figures {
			if r.Name == "baseline" && f.Name == "insert_tps" {
				base = f.Median
			}
		}
	}
	if base == 0 {
		return
	}
	for _, r := range rep.Scenarios {
		for _, f := range r.Figures {
			if strings.HasSuffix(f.Unit, "/s") && r.Name != "baseline" {
				ratio := math.Round(f.Median/base*1000) / 1000
				f.Ratio = &ratio
			}
		}
	}
}

// percentile of sorted values, p in [0, 100], by nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// latencies collects durations and reports percentiles in milliseconds.
type latencies []time.Duration

func (l latencies) ms(p float64) float64 {
	s := make([]float64, len(l))
	for i, d := range l {
		s[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(s)
	return math.Round(percentile(s, p)*1000) / 1000
}

func printResult(w io.Writer, r *Result) {
	fmt.Fprintf(w, "\n%s — %s (%.0f s)\n", r.Name, r.About, r.Seconds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  figure\tmedian\tmin\tmax\tunit\ttarget")
	for _, f := range r.Figures {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", f.Name, num(f.Median), num(f.Min), num(f.Max), f.Unit, f.Target)
	}
	tw.Flush()
	for _, c := range r.Checks {
		mark := "ok"
		if !c.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(w, "  check %s: %s — %s\n", c.Name, mark, c.Detail)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  ERROR: %s\n", r.Error)
	}
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
