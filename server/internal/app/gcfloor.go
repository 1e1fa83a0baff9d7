package app

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// heapFloor keeps the garbage collector from running while the heap is
// small and the server busy, and collects more often while the heap is
// large and the server idle. With GOGC=100 a collection starts when the
// heap reaches twice what survived the last one; under load the server
// keeps only a few MiB alive, so at 3,000 triggers/s it collected every
// ~40 ms, and the collector took about a sixth of the server's CPU.
//
// While the server allocates fast (busyRate), heapFloor sets GOGC after
// each collection so that the next one starts at the floor or at twice
// what survived, whichever is larger (the approach of ByteDance's and
// Uber's GC tuners). A busy server with a live heap past half the floor
// (tens of thousands of streams, say) runs at GOGC=100 as before, so the
// heap exceeds what GOGC=100 would allow by the floor at most. Once the
// server is no longer busy (under idleRate) GOGC goes back to 100, and
// the heap is collected and what is free returned to the system at once
// (release).
//
// While the server is not busy and what the collector scans (the live
// heap, the stacks and the globals) is past the floor, heapFloor sets
// GOGC to idlePercent instead: thousands of idle streams, say. With
// GOGC=100 their heap would grow by as much again as the collector
// scans before each collection, and the process keeps what it grew to.
// Collecting more often costs little while little is allocated.
type heapFloor struct {
	floor   uint64
	read    func() heapStats
	set     func(percent int) int
	now     func() time.Time
	release func()

	mu      sync.Mutex
	stopped bool
	initial int
	percent int
	busy    bool
	// since and allocated start the window the allocation rate is
	// measured over.
	since     time.Time
	allocated uint64
}

// heapStats is what the runtime says of the heap.
type heapStats struct {
	// live survived the last collection; roots are the stacks and
	// globals it scanned, which GOGC counts too.
	live, roots uint64
	// allocated is every byte allocated so far.
	allocated uint64
}

const (
	// defaultGCHeapFloorMiB is the floor unless configured: see README's
	// Performance section for what it saves and costs.
	defaultGCHeapFloorMiB = 64
	// busyRate and idleRate are the allocation rates, over rateWindow or
	// more, past which the server is busy and under which it is not.
	// busyRate is about 250 triggers/s. At 500 triggers/s (about 30 MiB/s)
	// GOGC=100 collects three to four times a second, and requests that
	// meet a collection make the latency's tail. Back to back, six rounds:
	// p99 7.1, 8.0, 9.0, 9.4, 9.0 and 7.8 ms with the floor engaging at
	// 16 MiB/s, against 9.2, 8.5, 16.6, 12.2, 13.0 and 7.7 with it
	// engaging at 96 (p50 the same within the machine's swings); and
	// three: 7.4, 4.7 and 8.5 with GOGC=400 against 10.3, 15.8 and 14.1
	// with GOGC=100.
	busyRate   = 16 << 20
	idleRate   = 8 << 20
	rateWindow = 500 * time.Millisecond
	// floorCheck is how often the rate is looked at between collections,
	// which may be minutes apart once the load stops.
	floorCheck = time.Second
	// idlePercent is GOGC while the server is not busy and its heap is
	// past the floor. Holding 10,000 idle Subscribe streams for five
	// minutes, the process settled at 22.5 KiB a stream with GOGC=25
	// against 27.0 with GOGC=100, for 4.3 % of a core against 3.9 (the
	// streams' heartbeats and resync reads are what the collector keeps
	// up with). Once the resync allocated a third as much, 50,000 idle
	// streams took 20.5 KiB each with GOGC=10 against 21.5 with GOGC=25,
	// for 16.4 % of a core against 14.2 over the wait (the streams
	// scenario, one run each).
	idlePercent = 10
	// minHeapGoal is the runtime's smallest heap target at GOGC=100; it
	// grows with GOGC (4 MiB * GOGC/100), which bounds GOGC for a floor.
	minHeapGoal = 4 << 20
)

// startHeapFloor applies the floor (in bytes) until stop is called, which
// restores the GOGC the process had. Between collections it looks at the
// allocation rate every check.
func startHeapFloor(floor uint64, check time.Duration) (stop func()) {
	h := newHeapFloor(floor, readHeapStats, debug.SetGCPercent, time.Now, debug.FreeOSMemory)
	h.arm()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(check)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				h.check()
			}
		}
	}()
	return func() {
		close(done)
		h.stop()
	}
}

func newHeapFloor(floor uint64, read func() heapStats, set func(int) int, now func() time.Time, release func()) *heapFloor {
	h := &heapFloor{floor: floor, read: read, set: set, now: now, release: release}
	h.initial = set(100)
	h.percent = 100
	h.since, h.allocated = now(), read().allocated
	return h
}

// gcPercentFor is the GOGC under which the heap target, live + (live +
// roots) * GOGC/100 but at least minHeapGoal * GOGC/100, is the floor,
// and at least 100.
func gcPercentFor(floor, live, roots uint64) int {
	scanned := live + roots
	if floor <= live+scanned || scanned == 0 {
		return 100
	}
	return int(max(min((floor-live)*100/scanned, floor*100/minHeapGoal), 100))
}

// check adjusts GOGC and, when the floor has just let go of memory it
// held, releases that memory, on a goroutine of its own: check runs after
// collections, among the runtime's cleanups.
func (h *heapFloor) check() {
	if h.adjust() {
		go h.release()
	}
}

// adjust sets GOGC for how fast the server allocates and what the last
// collection left, and reports whether the floor has just let go: the
// server is no longer busy and GOGC was raised past 100. It leaves GOGC alone when
// the change would be under a tenth: setting it stops the world for a
// moment.
func (h *heapFloor) adjust() (letGo bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	s, now := h.read(), h.now()
	if elapsed := now.Sub(h.since); elapsed >= rateWindow {
		rate := float64(s.allocated-h.allocated) / elapsed.Seconds()
		switch {
		case rate >= busyRate:
			h.busy = true
		case rate < idleRate:
			// Only a floor that held memory has any to give back: a
			// large live heap (GOGC=100 anyway) is left to the runtime.
			letGo, h.busy = h.busy && h.percent > 100, false
		}
		h.since, h.allocated = now, s.allocated
	}
	p := 100
	switch {
	case h.busy:
		p = gcPercentFor(h.floor, s.live, s.roots)
	case s.live+s.roots >= h.floor:
		p = idlePercent
	}
	if diff := p - h.percent; diff*10 > h.percent || -diff*10 > h.percent {
		h.set(p)
		h.percent = p
	}
	return letGo
}

// arm runs adjust after the next collection, and again after each one
// that follows: a cleanup runs once the collector has found its object
// unreachable, which this one is from the start.
func (h *heapFloor) arm() {
	runtime.AddCleanup(&gcSentinel{}, func(h *heapFloor) {
		h.check()
		h.mu.Lock()
		stopped := h.stopped
		h.mu.Unlock()
		if !stopped {
			h.arm()
		}
	}, h)
}

// gcSentinel is the object whose collection marks the end of a cycle. It
// holds a pointer so that it is not batched with other tiny allocations,
// whose cleanups may never run.
type gcSentinel struct{ _ *byte }

func (h *heapFloor) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	h.set(h.initial)
}

// readHeapStats reads the heap's figures from runtime/metrics.
func readHeapStats() heapStats {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"},
		{Name: "/gc/heap/allocs:bytes"},
	}
	metrics.Read(s)
	var v [4]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return heapStats{live: v[0], roots: v[1] + v[2], allocated: v[3]}
}
