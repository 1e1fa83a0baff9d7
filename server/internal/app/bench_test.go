package app_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBenchSmoke runs every benchmark scenario at its smoke size, as the
// README's command does, against a server the harness starts on its own
// embedded PostgreSQL. It checks that each scenario ran, measured its
// figures and passed its checks in the database; it asserts nothing about
// speed.
func TestBenchSmoke(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(binary, "bench", "--smoke", "--quiet", "--out", out, "--server-env", "GOGC=100", "all")
	cmd.Env = os.Environ()
	began := time.Now()
	logs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("parley bench --smoke all: %v\n%s", err, logs)
	}
	t.Logf("bench smoke took %.0f s", time.Since(began).Seconds())
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Settings struct {
			ServerEnv []string `json:"server_env"`
		} `json:"settings"`
		Machine struct {
			CPUs       int    `json:"cpus"`
			PostgreSQL string `json:"postgresql"`
		} `json:"machine"`
		Scenarios []struct {
			Name    string `json:"name"`
			Error   string `json:"error"`
			Figures []struct {
				Name    string    `json:"name"`
				Median  float64   `json:"median"`
				Samples []float64 `json:"samples"`
				Ratio   *float64  `json:"ratio_to_baseline"`
			} `json:"figures"`
			Checks []struct {
				Name string `json:"name"`
				OK   bool   `json:"ok"`
			} `json:"checks"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if !slices.Equal(rep.Settings.ServerEnv, []string{"GOGC=100"}) {
		t.Errorf("settings.server_env %v, want [GOGC=100]", rep.Settings.ServerEnv)
	}
	if rep.Machine.CPUs == 0 || rep.Machine.PostgreSQL == "" {
		t.Errorf("machine not described: %+v", rep.Machine)
	}
	var names []string
	answered := 0 // trigger-latency's times to the trigger's answer
	for _, s := range rep.Scenarios {
		names = append(names, s.Name)
		if s.Error != "" {
			t.Errorf("%s: %s", s.Name, s.Error)
		}
		if len(s.Checks) == 0 {
			t.Errorf("%s verified nothing", s.Name)
		}
		for _, c := range s.Checks {
			if !c.OK {
				t.Errorf("%s: check %q failed", s.Name, c.Name)
			}
		}
		if len(s.Figures) == 0 {
			t.Errorf("%s measured nothing", s.Name)
		}
		for _, f := range s.Figures {
			if len(f.Samples) == 0 {
				t.Errorf("%s: figure %s has no samples", s.Name, f.Name)
			}
			if s.Name == "trigger-throughput" && strings.HasPrefix(f.Name, "peak_") && (f.Median <= 0 || f.Ratio == nil) {
				t.Errorf("peak throughput %v with ratio %v: want a positive rate set against the baseline", f.Median, f.Ratio)
			}
			if s.Name == "trigger-latency" && strings.HasPrefix(f.Name, "answered ") {
				answered++
				if f.Median <= 0 {
					t.Errorf("%s: %v ms, want a positive time", f.Name, f.Median)
				}
			}
		}
	}
	if answered != 4 { // p50 and p99, unloaded and at the one smoke rate
		t.Errorf("trigger-latency has %d times to the trigger's answer, want 4", answered)
	}
	want := []string{"baseline", "trigger-throughput", "trigger-latency", "streams", "timers", "matching"}
	if !slices.Equal(names, want) {
		t.Fatalf("scenarios %v, want %v", names, want)
	}
	if !strings.Contains(string(logs), "peak_completed_runs_per_s") {
		t.Errorf("the printed table has no peak throughput:\n%s", logs)
	}
}

// TestBenchServerEnvNeedsKeyValueAndAServerStartedHere: --server-env takes
// KEY=VALUE, and is refused with --url, whose server the harness does not
// start.
func TestBenchServerEnvNeedsKeyValueAndAServerStartedHere(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--server-env", "GOGC", "baseline"}, `"GOGC" is not KEY=VALUE`},
		{[]string{"--server-env", "=off", "baseline"}, `"=off" is not KEY=VALUE`},
		{[]string{"--url", "http://127.0.0.1:1", "--server-env", "GOGC=off", "baseline"}, "--server-env applies to a server started here"},
	} {
		out, err := exec.Command(binary, append([]string{"bench"}, tc.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("parley bench %s: %v\n%s\nwant an error saying %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
}
