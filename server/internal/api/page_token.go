package api

import (
	"encoding/base64"
	"encoding/json"

	"github.com/parleyhq/parley/server/internal/domain"
)

// Page tokens are opaque to clients: base64url of a small JSON document
// holding the keyset position after the last item of the previous page and
// the listing it belongs to.

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// pageSize applies the default to a requested page size.
func pageSize(requested int32) int {
	if requested <= 0 {
		return defaultPageSize
	}
	return min(int(requested), maxPageSize)
}

func encodePageToken(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken fills v from token; the error names page_token.
func decodePageToken(token string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, v) != nil {
		return domain.Invalid("page_token", "is not a token returned by this listing")
	}
	return nil
}
