package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestRowArenaKeepsRowsApart builds rows of many sizes in one arena, some
// outgrowing the room asked for and some larger than a chunk, and checks
// that each row still reads as built once all are done.
func TestRowArenaKeepsRowsApart(t *testing.T) {
	var (
		a    rowArena
		rows []json.RawMessage
		want []json.RawMessage
	)
	for i := range 300 {
		text := strings.Repeat(fmt.Sprint(i%10), (i*97)%5000)
		if i%50 == 49 {
			text = strings.Repeat("x", arenaChunkSize+i) // larger than a chunk
		}
		hint := len(text) + 32
		if i%3 == 0 {
			hint = 8 // outgrows its room
		}
		build := func(a *rowArena) json.RawMessage {
			j := newRowJSON(a, hint)
			j.int("i", int64(i))
			j.str("text", text)
			return j.row()
		}
		rows = append(rows, build(&a))
		want = append(want, build(nil))
	}
	if len(a.chunks) < 2 {
		t.Fatalf("the rows took %d chunks; the test needs more than one", len(a.chunks))
	}
	for i, r := range rows {
		if !bytes.Equal(r, want[i]) {
			t.Fatalf("row %d was overwritten: %.60q…, want %.60q…", i, r, want[i])
		}
	}
	all := jsonArray(&a, rows)
	if !json.Valid(all) || !bytes.Equal(all, jsonArray(nil, want)) {
		t.Fatal("the array of the rows differs from the rows")
	}
	for i, r := range rows {
		if !bytes.Equal(r, want[i]) {
			t.Fatalf("row %d was overwritten by the array", i)
		}
	}
	a.release()
	if a.chunks != nil {
		t.Error("release kept chunks")
	}
}
