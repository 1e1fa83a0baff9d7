package session

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextPartsSplitOnRuneBoundaries(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int
		want int // parts
	}{
		{"", 10, 1},
		{"hello", 10, 1},
		{"hello", 5, 1},
		{"hello world", 5, 3},
		{strings.Repeat("é", 10), 3, 10}, // two bytes each: a part holds one
	} {
		parts := slices.Collect(textParts(c.text, c.n))
		if len(parts) != c.want || strings.Join(parts, "") != c.text {
			t.Errorf("textParts(%q, %d) = %q, want %d parts joining to the text", c.text, c.n, parts, c.want)
		}
		for _, p := range parts {
			if len(p) > c.n || !utf8.ValidString(p) {
				t.Errorf("part %q: over %d bytes or cut inside a character", p, c.n)
			}
		}
	}
}
