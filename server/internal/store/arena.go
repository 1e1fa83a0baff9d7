package store

import (
	"context"
	"sync"
	"unsafe"
)

// rowArena holds the JSON rows a transaction writes (rows.go), and the
// arrays they are sent in, in chunks that go back to a pool when the
// transaction ends. Allocated one by one they were about a tenth of the bytes
// the server allocated per trigger (pprof, at 500 triggers/s), and pgx
// copies them into its own buffers when it sends them: nothing reads them
// after the transaction.
type rowArena struct{ chunks []*[]byte }

// arenaChunkSize is the size of a chunk; a row or array larger than that
// is allocated on its own.
const arenaChunkSize = 32 << 10

var arenaChunks = sync.Pool{New: func() any {
	b := make([]byte, 0, arenaChunkSize)
	return &b
}}

// arenaOf is the arena of the open transaction in ctx, or nil.
func arenaOf(ctx context.Context) *rowArena {
	t, ok := ctx.Value(txKey{}).(txLike)
	if !ok || t.top().closed {
		return nil
	}
	return &t.top().arena
}

// room returns an empty slice with room for n bytes at the free end of the
// current chunk, or of a new one; the caller fills it and hands it to
// keep. A nil arena, or more than a chunk, gets memory of its own.
func (a *rowArena) room(n int) []byte {
	if a == nil || n > arenaChunkSize {
		return make([]byte, 0, n)
	}
	if k := len(a.chunks); k > 0 {
		if c := *a.chunks[k-1]; cap(c)-len(c) >= n {
			return c[len(c):len(c):cap(c)]
		}
	}
	c := arenaChunks.Get().(*[]byte)
	a.chunks = append(a.chunks, c)
	return (*c)[:0]
}

// keep marks b, filled from the slice room returned last, as taken, and
// returns it. When b outgrew that room, append moved it to memory of its
// own, and nothing is marked.
func (a *rowArena) keep(b []byte) []byte {
	if a == nil || len(a.chunks) == 0 || len(b) == 0 {
		return b
	}
	c := a.chunks[len(a.chunks)-1]
	if end := len(*c); end+len(b) <= cap(*c) && unsafe.SliceData(b) == &(*c)[:end+1][end] {
		*c = (*c)[:end+len(b)]
	}
	return b
}

// release hands the chunks back to the pool. What was taken from them
// must not be used after.
func (a *rowArena) release() {
	for _, c := range a.chunks {
		*c = (*c)[:0]
		arenaChunks.Put(c)
	}
	a.chunks = nil
}
