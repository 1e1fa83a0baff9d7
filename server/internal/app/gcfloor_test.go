package app

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name               string
		floor, live, roots uint64
		want               int
	}{
		{"small heap reaches the floor", 64 * mib, 6 * mib, 1 * mib, (64 - 6) * 100 / 7},
		{"heap past half the floor", 64 * mib, 40 * mib, 1 * mib, 100},
		{"heap at the floor", 64 * mib, 64 * mib, 0, 100},
		{"nothing measured yet", 64 * mib, 0, 0, 100},
		{"almost nothing alive", 64 * mib, 1024, 0, 1600},
		{"floor under the runtime's minimum", 2 * mib, 1024, 0, 100},
	} {
		if got := gcPercentFor(c.floor, c.live, c.roots); got != c.want {
			t.Errorf("%s: gcPercentFor(%d, %d, %d) = %d, want %d", c.name, c.floor, c.live, c.roots, got, c.want)
		}
	}
}

// TestHeapFloorFollowsTheAllocationRate drives a heapFloor with a clock
// and heap figures of the test's own.
func TestHeapFloorFollowsTheAllocationRate(t *testing.T) {
	const mib = 1 << 20
	now := time.Unix(0, 0)
	stats := heapStats{live: 6 * mib, roots: 1 * mib}
	gogc := 150 // the process's own
	var sets []int
	h := newHeapFloor(64*mib, func() heapStats { return stats }, func(p int) int {
		old := gogc
		gogc = p
		sets = append(sets, p)
		return old
	}, func() time.Time { return now }, func() { t.Error("release called; adjust reports, check releases") })
	floorPercent := gcPercentFor(64*mib, 6*mib, 1*mib)

	letGo := false
	step := func(d time.Duration, allocated uint64) {
		now = now.Add(d)
		stats.allocated += allocated
		letGo = h.adjust()
	}
	expect := func(when string, want int) {
		t.Helper()
		if gogc != want {
			t.Errorf("%s: GOGC %d, want %d", when, gogc, want)
		}
	}
	expect("at start", 100)

	step(300*time.Millisecond, 60*mib)
	expect("300 ms in, before the rate is known", 100)
	step(300*time.Millisecond, 60*mib)
	expect("busy (200 MiB/s)", floorPercent)

	stats.live = 6*mib + 256*1024
	step(100*time.Millisecond, 20*mib)
	if len(sets) != 2 {
		t.Errorf("GOGC set %v; a live heap a twentieth larger should not set it again", sets)
	}
	stats.live = 20 * mib
	step(100*time.Millisecond, 20*mib)
	expect("live heap of 20 MiB", gcPercentFor(64*mib, 20*mib, 1*mib))
	stats.live = 40 * mib
	step(100*time.Millisecond, 20*mib)
	expect("live heap past half the floor", 100)
	stats.live = 6 * mib
	step(800*time.Millisecond, 20*mib)
	expect("live heap back to 6 MiB", floorPercent)

	if letGo {
		t.Error("adjust reported going idle while busy")
	}
	between := uint64(busyRate+idleRate) / 2 // bytes a second
	step(5*time.Second, 5*between)
	expect("between idle and busy", floorPercent)
	step(5*time.Second, 5*mib)
	expect("idle (1 MiB/s)", 100)
	if !letGo {
		t.Error("adjust did not report going idle")
	}
	step(5*time.Second, 5*between)
	expect("still between", 100)
	if letGo {
		t.Error("adjust reported going idle twice")
	}

	stats.live = 40 * mib
	step(time.Second, 200*mib)
	expect("busy with a live heap past half the floor", 100)
	step(time.Second, 0)
	expect("idle again", 100)
	if letGo {
		t.Error("adjust reported going idle with GOGC at 100: the floor held nothing to release")
	}

	// Thousands of idle streams: what the collector scans is past the
	// floor, and collecting often costs little while idle.
	stats.live, stats.roots = 60*mib, 8*mib
	step(time.Second, mib)
	expect("idle with a heap past the floor", idlePercent)
	if letGo {
		t.Error("adjust reported letting go with GOGC under 100")
	}
	step(time.Second, 200*mib)
	expect("busy with a heap past the floor", 100)
	step(time.Second, mib)
	expect("idle with a heap past the floor again", idlePercent)
	stats.live, stats.roots = 20*mib, 1*mib
	step(time.Second, mib)
	expect("idle once the streams closed", 100)

	h.stop()
	expect("stopped", 150)
	step(time.Second, 200*mib)
	expect("busy after stop", 150)
}

// HeapFloorProbe (exported for TestMain in serve_test.go) is the environment variable under which the test binary,
// run again by TestHeapFloorCollectsLessUnderLoad, measures instead of
// testing: "floor" or "none".
const HeapFloorProbe = "PARLEY_TEST_HEAP_FLOOR_PROBE"

// TestHeapFloorCollectsLessUnderLoad allocates garbage fast for three
// seconds, with 4 MiB kept alive, and counts the collections of the last
// one and a half: with a floor of 64 MiB each collection comes after
// about 50 MiB, without it after a few. Then, idle, GOGC goes back to
// 100 and the heap the floor held is returned to the system.
func TestHeapFloorCollectsLessUnderLoad(t *testing.T) {
	if mode := os.Getenv(HeapFloorProbe); mode != "" {
		probeHeapFloor(mode == "floor")
		return
	}
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	run := func(mode string) map[string]float64 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHeapFloorCollectsLessUnderLoad$", "-test.count=1")
		cmd.Env = append(os.Environ(), HeapFloorProbe+"="+mode, "GOGC=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s probe: %v\n%s", mode, err, out)
		}
		figures := map[string]float64{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok && strings.HasPrefix(k, "probe ") {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				figures[strings.TrimPrefix(k, "probe ")] = n
			}
		}
		if len(figures) != 4 {
			t.Fatalf("%s probe printed %v:\n%s", mode, figures, out)
		}
		return figures
	}
	floor, none := run("floor"), run("none")
	t.Logf("MiB allocated per collection: %.1f with the floor, %.1f without (at %.0f and %.0f MiB/s); idle: GOGC %v, %.1f MiB of heap held",
		floor["MiB per collection"], none["MiB per collection"], floor["MiB/s"], none["MiB/s"], floor["GOGC idle"], floor["MiB held idle"])
	if got := floor["MiB per collection"]; got < 25 {
		t.Errorf("with a 64 MiB floor, a collection every %.1f MiB allocated; want at least 25", got)
	}
	if got := none["MiB per collection"]; got > 15 {
		t.Errorf("without a floor, a collection every %.1f MiB allocated; want at most 15 (does the probe keep 4 MiB alive?)", got)
	}
	if got := floor["GOGC idle"]; got != 100 {
		t.Errorf("GOGC %v once idle, want 100", got)
	}
	if got := floor["MiB held idle"]; got > 16 {
		t.Errorf("%.1f MiB of heap held from the system once idle; want at most 16 (4 MiB are alive)", got)
	}
}

var probeSink []byte

func probeHeapFloor(withFloor bool) {
	if withFloor {
		defer startHeapFloor(64<<20, time.Second)()
	}
	live := make([][]byte, 1024)
	for i := range live {
		live[i] = make([]byte, 4096)
	}
	var ms runtime.MemStats
	var gcs0, alloc0 uint64
	start := time.Now()
	for i := 0; time.Since(start) < 3*time.Second; i++ {
		probeSink = make([]byte, 4096)
		live[i%len(live)] = probeSink
		if i%256 == 0 {
			time.Sleep(50 * time.Microsecond) // hundreds of MiB/s: busy, like a loaded server
		}
		if alloc0 == 0 && time.Since(start) > 1500*time.Millisecond {
			runtime.ReadMemStats(&ms)
			gcs0, alloc0 = uint64(ms.NumGC), ms.TotalAlloc
		}
	}
	runtime.ReadMemStats(&ms)
	fmt.Printf("probe MiB per collection: %.1f\n", float64(ms.TotalAlloc-alloc0)/(1<<20)/float64(max(uint64(ms.NumGC)-gcs0, 1)))
	fmt.Printf("probe MiB/s: %.0f\n", float64(ms.TotalAlloc-alloc0)/(1<<20)/1.5)
	if withFloor {
		time.Sleep(3 * time.Second) // idle
	}
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	fmt.Printf("probe GOGC idle: %d\n", s[0].Value.Uint64())
	fmt.Printf("probe MiB held idle: %.1f\n", float64(s[1].Value.Uint64()+s[2].Value.Uint64()+s[3].Value.Uint64())/(1<<20))
}

func TestHeapFloorSetting(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"default", nil, nil, defaultGCHeapFloorMiB},
		{"environment", map[string]string{"PARLEY_GC_HEAP_FLOOR_MIB": "16"}, nil, 16},
		{"flag", map[string]string{"PARLEY_GC_HEAP_FLOOR_MIB": "16"}, []string{"--gc-heap-floor-mib", "0"}, 0},
		{"GOGC chosen", map[string]string{"GOGC": "200"}, nil, 0},
		{"GOGC and a floor chosen", map[string]string{"GOGC": "200", "PARLEY_GC_HEAP_FLOOR_MIB": "32"}, nil, 32},
	} {
		cfg := defaultConfig()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		bindFlags(fs, &cfg, func(k string) string { return c.env[k] })
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if cfg.GCHeapFloorMiB != c.want {
			t.Errorf("%s: floor %d MiB, want %d", c.name, cfg.GCHeapFloorMiB, c.want)
		}
	}
}
