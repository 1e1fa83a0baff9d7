package session

import (
	"bufio"
	"bytes"
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
	v, err := Aside(func() (int, error) { return 42, nil })
	if v != 42 || err != nil {
		t.Errorf("Aside = %d, %v; want 42, nil", v, err)
	}
	boom := errors.New("boom")
	if _, err := Aside(func() (int, error) { return 0, boom }); err != boom {
		t.Errorf("Aside error = %v, want %v", err, boom)
	}
}

func TestAsidePanicsInTheCaller(t *testing.T) {
	defer func() {
		if p := recover(); p != "read failed" {
			t.Errorf("recovered %v, want the read's panic", p)
		}
	}()
	_, _ = Aside(func() (int, error) { panic("read failed") })
	t.Error("Aside returned after its read panicked")
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
	read := func() (int, error) { return deepFrames(32), nil }
	for range n {
		go func() {
			if aside {
				_, _ = Aside(read)
			} else {
				_, _ = read()
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
