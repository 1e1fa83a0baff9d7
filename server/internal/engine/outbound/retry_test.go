package outbound

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   bool
	}{
		{"network", &Error{Kind: KindNetwork}, 0, true},
		{"timeout", &Error{Kind: KindTimeout}, 0, true},
		{"wrapped timeout", fmt.Errorf("step fetch: %w", &Error{Kind: KindTimeout}), 0, true},
		{"invalid", &Error{Kind: KindInvalid}, 0, false},
		{"refused", &Error{Kind: KindRefused}, 0, false},
		{"too large", &Error{Kind: KindTooLarge}, 0, false},
		{"foreign error", errors.New("boom"), 0, false},
		{"error wins over status", &Error{Kind: KindInvalid}, 503, false},
		{"200", nil, 200, false},
		{"301", nil, 301, false},
		{"400", nil, 400, false},
		{"404", nil, 404, false},
		{"408", nil, 408, false},
		{"429", nil, 429, true},
		{"499", nil, 499, false},
		{"500", nil, 500, true},
		{"503", nil, 503, true},
		{"599", nil, 599, true},
		{"600", nil, 600, false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err, tt.status); got != tt.want {
			t.Errorf("%s: Retryable(%v, %d) = %v, want %v", tt.name, tt.err, tt.status, got, tt.want)
		}
	}
}

// backoffRange samples Backoff and returns the smallest and largest result.
func backoffRange(attempt int, base, limit time.Duration) (lo, hi time.Duration) {
	lo, hi = time.Duration(math.MaxInt64), 0
	for range 2000 {
		d := Backoff(attempt, base, limit)
		lo, hi = min(lo, d), max(hi, d)
	}
	return lo, hi
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name      string
		attempt   int
		base, max time.Duration
		full      time.Duration // the delay before jitter
		floor     time.Duration // smallest allowed result
	}{
		{"first retry", 1, time.Second, time.Minute, time.Second, 800 * time.Millisecond},
		{"second retry", 2, time.Second, time.Minute, 2 * time.Second, 1600 * time.Millisecond},
		{"fourth retry", 4, 100 * time.Millisecond, time.Minute, 800 * time.Millisecond, 640 * time.Millisecond},
		{"capped", 7, time.Second, 30 * time.Second, 30 * time.Second, 24 * time.Second},
		{"huge attempt does not overflow", math.MaxInt, time.Second, time.Hour, time.Hour, 48 * time.Minute},
		{"attempt 0 counts as 1", 0, 2 * time.Second, time.Minute, 2 * time.Second, 1600 * time.Millisecond},
		{"defaults", 1, 0, 0, time.Second, 800 * time.Millisecond},
		{"default cap", 30, 0, 0, 5 * time.Minute, 4 * time.Minute},
		{"base above max is lowered", 1, time.Minute, 10 * time.Second, 10 * time.Second, 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := backoffRange(tt.attempt, tt.base, tt.max)
			if lo < tt.floor || hi > tt.full {
				t.Errorf("Backoff(%d, %s, %s) ranged over [%s, %s], want within [%s, %s]", tt.attempt, tt.base, tt.max, lo, hi, tt.floor, tt.full)
			}
			// Jitter is real: the samples spread over most of the 20% band.
			if spread := hi - lo; spread < (tt.full-tt.floor)/2 {
				t.Errorf("Backoff(%d, %s, %s) spread %s over 2000 samples, want jitter of up to %s", tt.attempt, tt.base, tt.max, spread, tt.full-tt.floor)
			}
		})
	}
}

func TestBackoffGrows(t *testing.T) {
	// Each step doubles before jitter; after it, the smallest possible step
	// n+1 (1.6x step n's full delay) still exceeds the largest step n.
	prev := time.Duration(0)
	for attempt := 1; attempt <= 6; attempt++ {
		full := 500 * time.Millisecond << (attempt - 1)
		d := Backoff(attempt, 500*time.Millisecond, time.Hour)
		if d > full || d < full*4/5 {
			t.Fatalf("Backoff(%d) = %s, want in [%s, %s]", attempt, d, full*4/5, full)
		}
		if d <= prev {
			t.Fatalf("Backoff(%d) = %s, not more than Backoff(%d) = %s", attempt, d, attempt-1, prev)
		}
		prev = d
	}
}
