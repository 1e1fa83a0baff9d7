package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
	"github.com/parleyhq/parley/server/internal/workflow"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest"
)

// TestTenThousandPendingDelaysIdle holds 10,000 runs in a one-hour delay
// and watches the idle server: none fires early, no job is queued for
// them, and the process's CPU and memory are reported. It takes a couple
// of minutes, so it runs when PARLEY_TIMERS_REPORT=1 (make timers-report),
// on a binary built without the race detector so the numbers are real.
func TestTenThousandPendingDelaysIdle(t *testing.T) {
	if os.Getenv("PARLEY_TIMERS_REPORT") != "1" {
		t.Skip("set PARLEY_TIMERS_REPORT=1 to measure 10,000 pending delays")
	}
	const sessions, perSession = 1000, 10 // the per-session cap is 10
	plain := filepath.Join(t.TempDir(), "parley")
	if out, err := exec.Command("go", "build", "-o", plain, "github.com/parleyhq/parley/server/cmd/parley").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	s := startBinary(t, plain, "DATABASE_URL="+dbURL, "PARLEY_BOOTSTRAP_TOKEN="+boot)
	waitServing(t, s)
	wf := publishGraph(t, s, boot, "hour", workflowtest.ChainGraph(
		workflow.NewNode("start", &workflowv1.ProgrammaticTrigger{}),
		workflow.NewNode("wait", &workflowv1.DelayNode{Duration: &workflowv1.Duration{Amount: 1, Unit: workflowv1.TimeUnit_TIME_UNIT_HOURS}}),
	))
	var g errgroup.Group
	g.SetLimit(16)
	for range sessions {
		g.Go(func() error {
			ctx := context.Background()
			created, err := sessionsClient(s, boot).CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{}))
			if err != nil {
				return err
			}
			for range perSession {
				if _, err := workflows(s, boot).TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
					WorkflowId: wf, SessionId: created.Msg.GetSession().GetId(),
				})); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	counts := func() (waiting, queued int) {
		t.Helper()
		if err := conn.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM runs WHERE status = 'waiting' AND wake_at > now() + interval '50 minutes'),
			(SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&waiting, &queued); err != nil {
			t.Fatal(err)
		}
		return waiting, queued
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		waiting, queued := counts()
		if waiting == sessions*perSession && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs waiting in their delay and %d jobs queued, want %d and 0", waiting, queued, sessions*perSession)
		}
		time.Sleep(100 * time.Millisecond)
	}

	const idle = 10 * time.Second
	cpu0 := cpuTime(t, s.cmd.Process.Pid)
	time.Sleep(idle)
	cpu := cpuTime(t, s.cmd.Process.Pid) - cpu0
	if waiting, queued := counts(); waiting != sessions*perSession || queued != 0 {
		t.Fatalf("after %v idle: %d waiting, %d jobs queued", idle, waiting, queued)
	}
	t.Logf("10,000 pending delays, server idle for %v: CPU %v (%.2f%% of one core), RSS %s",
		idle, cpu, 100*cpu.Seconds()/idle.Seconds(), rss(t, s.cmd.Process.Pid))
}

// cpuTime is a process's user+system CPU time from /proc.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// rss is a process's resident memory from /proc.
func rss(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
