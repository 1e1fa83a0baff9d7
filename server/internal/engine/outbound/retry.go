package outbound

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"time"
)

// Retryable reports whether a failed call or a response status is worth
// retrying: network errors, timeouts and 5xx statuses (and 429) are;
// everything else is not. Pass err==nil and the status for responses.
//
// A call cancelled by its caller is KindNetwork and so counts as retryable;
// a caller that cancelled will normally stop on its own context instead.
func Retryable(err error, status int) bool {
	if err != nil {
		var e *Error
		return errors.As(err, &e) && (e.Kind == KindNetwork || e.Kind == KindTimeout)
	}
	return status == http.StatusTooManyRequests || status >= 500 && status <= 599
}

// Backoff returns the wait before retry number attempt (1 for the first
// retry): base * 2^(attempt-1), capped at max, with up to 20% random jitter
// subtracted (never below base/2). base 0 means 1s, max 0 means 5 minutes.
//
// An attempt below 1 counts as 1, and a base above max is lowered to max.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	base = min(base, max)
	d := base
	for i := 1; i < attempt && d < max; i++ {
		if d > max/2 {
			d = max // doubling would pass the cap (or overflow)
			break
		}
		d *= 2
	}
	d -= time.Duration(rand.Int64N(int64(d/5) + 1))
	if d < base/2 {
		d = base / 2
	}
	return d
}
