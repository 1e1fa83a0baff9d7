package session

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestAsideReturnsWhatReadReturns(t *testing.T) {
	ctx := context.Background()
	v, err := Aside(ctx, func(context.Context) (int, error) { return 42, nil })
	if v != 42 || err != nil {
		t.Errorf("Aside = %d, %v; want 42, nil", v, err)
	}
	boom := errors.New("boom")
	if _, err := Aside(ctx, func(context.Context) (int, error) { return 0, boom }); err != boom {
		t.Errorf("Aside error = %v, want %v", err, boom)
	}
}

func TestAsidePanicsInTheCaller(t *testing.T) {
	defer func() {
		if p := recover(); p != "read failed" {
			t.Errorf("recovered %v, want the read's panic", p)
		}
	}()
	_, _ = Aside(context.Background(), func(context.Context) (int, error) { panic("read failed") })
	t.Error("Aside returned after its read panicked")
}

type asideKey struct{}

// TestAsideReadsWithTheCallersValuesAndCancellation: the read sees the
// caller's values, and ends when the caller's context does.
func TestAsideReadsWithTheCallersValuesAndCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), asideKey{}, "principal"))
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	got, err := Aside(ctx, func(ctx context.Context) (any, error) {
		close(started)
		<-ctx.Done()
		return ctx.Value(asideKey{}), ctx.Err()
	})
	if got != "principal" || !errors.Is(err, context.Canceled) {
		t.Errorf("Aside = %v, %v; want the caller's value and context.Canceled", got, err)
	}
}

// TestAsideLeavesNothingOnTheCallersContext: a read that registers with
// its context, as pgx does with every query's, leaves nothing behind on
// the caller's context, which a stream keeps for as long as it is open.
// Registered with the caller's context itself, each keeps a map of its
// children.
func TestAsideLeavesNothingOnTheCallersContext(t *testing.T) {
	const n = 10_000
	register := func(ctx context.Context) (int, error) {
		stop := context.AfterFunc(ctx, func() {})
		stop()
		return 0, nil
	}
	retained := func(viaAside bool) float64 {
		ctxs := make([]context.Context, n)
		cancels := make([]context.CancelFunc, n)
		for i := range ctxs {
			ctxs[i], cancels[i] = context.WithCancel(context.Background())
			_ = ctxs[i].Done() // its channel made up front: a stream waits on it anyway
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, ctx := range ctxs {
			if viaAside {
				_, _ = Aside(ctx, register)
			} else {
				_, _ = register(ctx)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(ctxs)
		for _, c := range cancels {
			c()
		}
		return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	}
	aside, direct := retained(true), retained(false)
	t.Logf("bytes kept per caller's context: %.0f aside, %.0f registered directly", aside, direct)
	if aside > 32 {
		t.Errorf("Aside left %.0f bytes on each caller's context; want none", aside)
	}
	if direct < 100 {
		t.Errorf("registering directly left %.0f bytes on each context; want at least 100 (does the test register?)", direct)
	}
}

// asideProbe is the environment variable under which the test binary,
// run again by TestAsideKeepsTheCallersStackSmall, measures instead of
// testing: "aside" or "direct".
const asideProbe = "PARLEY_TEST_ASIDE_PROBE"

// TestAsideKeepsTheCallersStackSmall runs goroutines that each make a read
// needing about 33 KiB of stack and then wait, like streams, and measures
// the stacks they keep, with stack shrinking off (GODEBUG): read aside,
// each keeps a small stack; read directly, each keeps the 64 KiB it grew to.
func TestAsideKeepsTheCallersStackSmall(t *testing.T) {
	if mode := os.Getenv(asideProbe); mode != "" {
		fmt.Printf("stack KiB per goroutine: %d\n", stackPerWaitingGoroutine(mode == "aside")/1024)
		return
	}
	measure := func(mode string) int {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAsideKeepsTheCallersStackSmall$", "-test.count=1")
		cmd.Env = append(os.Environ(), asideProbe+"="+mode, "GODEBUG=gcshrinkstackoff=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s probe: %v\n%s", mode, err, out)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "stack KiB per goroutine: "); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		t.Fatalf("%s probe printed no figure:\n%s", mode, out)
		return 0
	}
	aside, direct := measure("aside"), measure("direct")
	t.Logf("stack per waiting goroutine: %d KiB aside, %d KiB direct", aside, direct)
	if aside > 16 {
		t.Errorf("read aside, each waiting goroutine keeps %d KiB of stack; want at most 16", aside)
	}
	if direct < 32 {
		t.Errorf("read directly, each waiting goroutine keeps %d KiB of stack; want at least 32 (is the read deep enough to show anything?)", direct)
	}
}

// stackPerWaitingGoroutine starts goroutines that each make a deep read,
// aside or not, and wait; it returns the stack memory they added, per
// goroutine.
func stackPerWaitingGoroutine(aside bool) uint64 {
	const n = 1000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	read := func(context.Context) (int, error) { return deepFrames(32), nil }
	for range n {
		go func() {
			if aside {
				_, _ = Aside(context.Background(), read)
			} else {
				_, _ = read(nil)
			}
			started.Done()
			release.Wait()
		}()
	}
	started.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	release.Done()
	return (after.StackInuse - before.StackInuse) / n
}

// deepFrames uses about n KiB of stack.
//
//go:noinline
func deepFrames(n int) int {
	var b [1000]byte
	b[n%len(b)] = byte(n)
	if n == 0 {
		return int(b[0])
	}
	return deepFrames(n-1) + int(b[n%len(b)])
}
