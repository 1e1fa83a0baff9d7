package store

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// rowJSON builds the JSON object of one row for the batched statements
// (rows.go), field by field. encoding/json's reflection, and its check of
// every embedded JSON value, cost about 8 % of a trigger's CPU; the
// embedded values here are the store's own encodings (or what it read from
// PostgreSQL), and PostgreSQL parses the whole row anyway.
type rowJSON struct {
	a *rowArena
	b []byte
}

// newRowJSON starts a row in a (nil: on the heap) with room for about size
// bytes.
func newRowJSON(a *rowArena, size int) *rowJSON {
	r := &rowJSON{a: a, b: a.room(size)}
	r.b = append(r.b, '{')
	return r
}

// row ends the object.
func (r *rowJSON) row() json.RawMessage { return r.a.keep(append(r.b, '}')) }

func (r *rowJSON) key(k string) {
	if len(r.b) > 1 {
		r.b = append(r.b, ',')
	}
	r.b = append(r.b, '"')
	r.b = append(r.b, k...)
	r.b = append(r.b, '"', ':')
}

func (r *rowJSON) null(k string) {
	r.key(k)
	r.b = append(r.b, "null"...)
}

// opt adds *v with add, or null.
func opt[T any](r *rowJSON, k string, v *T, add func(*rowJSON, string, T)) {
	if v == nil {
		r.null(k)
		return
	}
	add(r, k, *v)
}

func (r *rowJSON) str(k, v string) {
	r.key(k)
	r.b = appendJSONString(r.b, v)
}

func (r *rowJSON) strs(k string, v []string) {
	if v == nil {
		r.null(k)
		return
	}
	r.key(k)
	r.b = append(r.b, '[')
	for i, s := range v {
		if i > 0 {
			r.b = append(r.b, ',')
		}
		r.b = appendJSONString(r.b, s)
	}
	r.b = append(r.b, ']')
}

func (r *rowJSON) int(k string, v int64) {
	r.key(k)
	r.b = strconv.AppendInt(r.b, v, 10)
}

func (r *rowJSON) bool(k string, v bool) {
	r.key(k)
	r.b = strconv.AppendBool(r.b, v)
}

func (r *rowJSON) uuid(k string, v uuid.UUID) {
	r.key(k)
	r.b = append(r.b, '"')
	r.b = hex.AppendEncode(r.b, v[0:4])
	r.b = append(r.b, '-')
	r.b = hex.AppendEncode(r.b, v[4:6])
	r.b = append(r.b, '-')
	r.b = hex.AppendEncode(r.b, v[6:8])
	r.b = append(r.b, '-')
	r.b = hex.AppendEncode(r.b, v[8:10])
	r.b = append(r.b, '-')
	r.b = hex.AppendEncode(r.b, v[10:16])
	r.b = append(r.b, '"')
}

func (r *rowJSON) time(k string, v time.Time) {
	r.key(k)
	r.b = append(r.b, '"')
	r.b = v.AppendFormat(r.b, time.RFC3339Nano)
	r.b = append(r.b, '"')
}

// json adds a JSON value as it is; empty is null.
func (r *rowJSON) json(k string, v []byte) {
	if len(v) == 0 {
		r.null(k)
		return
	}
	r.key(k)
	r.b = append(r.b, v...)
}

// bytea adds bytes in PostgreSQL's hex text form; nil is null.
func (r *rowJSON) bytea(k string, v []byte) {
	if v == nil {
		r.null(k)
		return
	}
	r.key(k)
	r.b = append(r.b, `"\\x`...)
	r.b = hex.AppendEncode(r.b, v)
	r.b = append(r.b, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
