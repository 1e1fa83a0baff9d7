package parley

import (
	"testing"
	"time"
)

// TestBackoffDoublesUpToTheCap: the wait doubles per failed attempt, never
// exceeds the cap, and keeps at least half of its nominal value.
func TestBackoffDoublesUpToTheCap(t *testing.T) {
	s := &Subscription{backoffMin: 100 * time.Millisecond, backoffMax: 3 * time.Second}
	for failures, nominal := range []time.Duration{100, 200, 400, 800, 1600, 3000, 3000, 3000} {
		nominal *= time.Millisecond
		for range 200 {
			d := s.backoff(failures)
			if d < nominal/2 || d > nominal {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", failures, d, nominal/2, nominal)
			}
		}
	}
	if d := s.backoff(1 << 20); d > 3*time.Second {
		t.Fatalf("backoff after many failures = %v", d)
	}
}
