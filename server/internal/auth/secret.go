package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Prefixes tell token types apart at a glance (and let secret scanners find
// leaked ones).
const (
	apiTokenPrefix     = "prl_"
	sessionTokenPrefix = "pst_"
	publicKeyPrefix    = "pk_"
)

// randomString returns prefix + n random bytes in unpadded base64url.
func randomString(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on Linux
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// NewAPISecret returns a new API token secret.
func NewAPISecret() string { return randomString(apiTokenPrefix, 32) }

// NewSessionSecret returns a new session token secret.
func NewSessionSecret() string { return randomString(sessionTokenPrefix, 32) }

// newPublicKey returns a new workspace public key (alphanumeric, so it fits
// in any URL or attribute unescaped).
func newPublicKey() string {
	return publicKeyPrefix + strings.NewReplacer("-", "", "_", "").Replace(randomString("", 18))
}

// HashSecret is the only form in which secrets are stored. Secrets carry 256
// random bits, so a fast unsalted hash is enough.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// displayPrefix is the part of a secret shown in listings.
func displayPrefix(secret string) string {
	if len(secret) > 10 {
		return secret[:10]
	}
	return secret
}
