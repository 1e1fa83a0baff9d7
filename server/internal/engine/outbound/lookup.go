package outbound

import (
	"strconv"
	"strings"
)

// Lookup returns the value at a dotted path in decoded JSON (map[string]any /
// []any from encoding/json with UseNumber NOT used: numbers are float64):
// "data.customer.plan", "items.0.id" (numeric segments index arrays), ""
// returns the whole value. ok false when any segment is missing or out of
// range.
//
// A segment is always a map key when the value is an object, so "0" reaches
// the key "0" there. Keys that contain a dot cannot be reached. A present
// JSON null is returned as nil with ok true.
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for seg := range strings.SplitSeq(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, ok := arrayIndex(seg, len(node))
			if !ok {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// arrayIndex parses seg as a plain decimal index below n (no sign).
func arrayIndex(seg string, n int) (int, bool) {
	if seg == "" || strings.Trim(seg, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(seg)
	return i, err == nil && i < n
}
