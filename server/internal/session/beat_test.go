package session

import (
	"context"
	"testing"
	"time"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestBeatWheelBeatsEachStreamOnceAnInterval: a stream that joins gets its
// first beat a whole turn later, then one a turn; streams that join later
// in the turn beat later.
func TestBeatWheelBeatsEachStreamOnceAnInterval(t *testing.T) {
	w := newBeatWheel(time.Second)
	if len(w.slots) != 10 {
		t.Fatalf("%d slots for 1 s, want 10 (100 ms apart)", len(w.slots))
	}
	first := w.join()
	w.turn()
	w.turn()
	second := w.join()
	if first == second {
		t.Fatalf("streams joining two turns apart share slot %d", first)
	}
	beats := map[int]int{} // slot -> turns until its beat
	for _, slot := range []int{first, second} {
		ch := w.beat(slot)
		for turns := 1; turns <= 2*len(w.slots); turns++ {
			w.turn()
			if closed(ch) {
				beats[slot] = turns
				break
			}
		}
	}
	// first waited two turns already when the loop began, second none; the
	// loop turned the wheel for first before second.
	if beats[first] != len(w.slots)-2 {
		t.Errorf("first stream's beat after %d more turns, want %d", beats[first], len(w.slots)-2)
	}
	if beats[second] != 2 {
		t.Errorf("second stream's beat %d turns after the first's, want 2 (joined two turns later)", beats[second])
	}
	ch := w.beat(second)
	for range len(w.slots) - 1 {
		w.turn()
	}
	if closed(ch) {
		t.Error("a stream beat twice within one interval")
	}
	w.turn()
	if !closed(ch) {
		t.Error("a stream did not beat again one interval later")
	}
}

// TestBeatWheelShortInterval: an interval under the wheel's resolution is
// one slot, firing every interval.
func TestBeatWheelShortInterval(t *testing.T) {
	w := newBeatWheel(20 * time.Millisecond)
	if len(w.slots) != 1 {
		t.Fatalf("%d slots for 20 ms, want 1", len(w.slots))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); every(ctx, w.step(), w.turn) }()
	slot := w.join()
	for i := range 3 {
		select {
		case <-w.beat(slot):
		case <-time.After(5 * time.Second):
			t.Fatalf("beat %d did not come", i+1)
		}
	}
	cancel()
	<-done
}
