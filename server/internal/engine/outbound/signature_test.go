package outbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

var (
	testSecret = []byte("whsec_parley_test")
	testBody   = []byte(`{"event":"conversation.closed","id":42}`)
)

const testTS = 1700000000

func TestSignatureKnownAnswer(t *testing.T) {
	// Computed with: printf '%s' '1700000000.{"event":"conversation.closed","id":42}' |
	//   openssl dgst -sha256 -hmac whsec_parley_test
	const want = "v1=299b9872354f9e502e8eb6bed64e7c222fa0fc18ab8d1f6a5b84210cc1e9452d"
	if got := Signature(testSecret, testTS, testBody); got != want {
		t.Errorf("Signature = %q, want %q", got, want)
	}

	// And independently with crypto/hmac, for another input.
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte("-5.hello"))
	if got, want := Signature([]byte("k"), -5, []byte("hello")), "v1="+hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("Signature = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(testTS, 0)
	valid := Signature(testSecret, testTS, testBody)
	tests := []struct {
		name    string
		secret  []byte
		header  string
		ts      int64
		body    []byte
		now     time.Time
		tol     time.Duration
		wantErr string // "" means valid
	}{
		{"valid", testSecret, valid, testTS, testBody, now, time.Minute, ""},
		{"valid with surrounding space", testSecret, " " + valid + " ", testTS, testBody, now, time.Minute, ""},
		{"at the tolerance edge", testSecret, valid, testTS, testBody, now.Add(time.Minute), time.Minute, ""},
		{"default tolerance", testSecret, valid, testTS, testBody, now.Add(4 * time.Minute), 0, ""},
		{"tampered body", testSecret, valid, testTS, []byte(`{"event":"conversation.closed","id":43}`), now, time.Minute, "does not match"},
		{"tampered timestamp", testSecret, valid, testTS + 1, testBody, now, time.Minute, "does not match"},
		{"wrong secret", []byte("other"), valid, testTS, testBody, now, time.Minute, "does not match"},
		{"stale", testSecret, valid, testTS, testBody, now.Add(10 * time.Minute), 5 * time.Minute, "webhook timestamp is 10m0s away from now, more than the allowed 5m0s"},
		{"from the future", testSecret, valid, testTS, testBody, now.Add(-2 * time.Minute), time.Minute, "webhook timestamp is 2m0s away"},
		{"stale by default tolerance", testSecret, valid, testTS, testBody, now.Add(6 * time.Minute), 0, "more than the allowed 5m0s"},
		{"empty header", testSecret, "", testTS, testBody, now, time.Minute, "malformed"},
		{"no prefix", testSecret, strings.TrimPrefix(valid, "v1="), testTS, testBody, now, time.Minute, "malformed"},
		{"other version", testSecret, "v2=" + strings.TrimPrefix(valid, "v1="), testTS, testBody, now, time.Minute, "malformed"},
		{"not hex", testSecret, "v1=" + strings.Repeat("zz", 32), testTS, testBody, now, time.Minute, "malformed"},
		{"too short", testSecret, valid[:len(valid)-2], testTS, testBody, now, time.Minute, "malformed"},
		{"empty secret", nil, valid, testTS, testBody, now, time.Minute, "no signing secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.ts, tt.body, tt.now, tt.tol)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Verify = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
