package outbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	signaturePrefix  = "v1="
	defaultTolerance = 5 * time.Minute
)

// Signature returns the webhook signature header value "v1=" + lowercase hex
// HMAC-SHA256(secret, timestamp + "." + body), timestamp being Unix seconds
// in decimal. Receivers recompute it to verify the sender.
func Signature(secret []byte, timestamp int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(signatureMAC(secret, timestamp, body))
}

func signatureMAC(secret []byte, timestamp int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(strconv.AppendInt(nil, timestamp, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header value in constant time, and that
// timestamp is within tolerance of now (replay protection). Returns a
// descriptive error.
//
// The signature is checked before the timestamp, so a stale-timestamp error
// is only reported for an authentic message. tolerance 0 means 5 minutes.
// An empty secret is refused: anyone could forge its signatures.
func Verify(secret []byte, header string, timestamp int64, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errors.New("cannot verify the webhook signature: no signing secret is configured")
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || len(got) != sha256.Size {
		return errors.New(`malformed webhook signature header: want "v1=" followed by 64 hex digits`)
	}
	if !hmac.Equal(got, signatureMAC(secret, timestamp, body)) {
		return errors.New("webhook signature does not match: the body, the timestamp or the secret differ from the sender's")
	}
	if tolerance <= 0 {
		tolerance = defaultTolerance
	}
	skew := now.Sub(time.Unix(timestamp, 0))
	if skew > tolerance || skew < -tolerance {
		return fmt.Errorf("webhook timestamp is %s away from now, more than the allowed %s: the message may be replayed", skew.Abs().Truncate(time.Second), tolerance)
	}
	return nil
}
