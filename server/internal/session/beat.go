package session

import (
	"sync"
	"time"
)

const (
	// beatResolution is the finest step of the beat wheel: a stream's
	// heartbeats come this much early or late at most.
	beatResolution = 100 * time.Millisecond
	// maxBeatSlots bounds the wheel's slots (64 turns of 234 ms at 15 s).
	maxBeatSlots = 64
)

// beatWheel times the heartbeats of idle streams with one ticker for the
// hub, rather than a timer each (about 250 bytes a stream, with its
// channel). Its slots fire one after the other, each once an interval: a
// slot's channel is closed and replaced. A stream takes the slot that has
// just fired, so that its first beat comes an interval after it joined,
// and the streams that join over the interval spread over the slots as
// their timers would.
type beatWheel struct {
	interval time.Duration

	mu    sync.Mutex
	slots []chan struct{}
	// next is the slot that fires next.
	next int
}

func newBeatWheel(interval time.Duration) *beatWheel {
	n := int(min(max(interval/beatResolution, 1), maxBeatSlots))
	w := &beatWheel{interval: interval, slots: make([]chan struct{}, n)}
	for i := range w.slots {
		w.slots[i] = make(chan struct{})
	}
	return w
}

// join returns the slot of a stream that starts waiting now.
func (w *beatWheel) join() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return (w.next + len(w.slots) - 1) % len(w.slots)
}

// beat returns the channel that closes at slot's next beat.
func (w *beatWheel) beat(slot int) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.slots[slot]
}

// step is how often the wheel turns: one slot a step.
func (w *beatWheel) step() time.Duration { return w.interval / time.Duration(len(w.slots)) }

// turn fires the next slot.
func (w *beatWheel) turn() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.slots[w.next])
	w.slots[w.next] = make(chan struct{})
	w.next = (w.next + 1) % len(w.slots)
}
