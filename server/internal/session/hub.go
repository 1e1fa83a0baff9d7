package session

import (
	"context"
	"encoding/base64"
	"iter"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

// notifyChannel is the PostgreSQL channel on which replicas announce the
// events they committed, and stream message deltas.
const notifyChannel = "parley_session_events"

// HubOptions tune the fan-out.
type HubOptions struct {
	// Heartbeat is how often an idle stream gets a heartbeat; 0 means 15 s.
	Heartbeat time.Duration
	// Resync is how often every open session feed re-reads the log even
	// without a notification; 0 means the heartbeat interval.
	Resync time.Duration
	// WorkspacePoll is how often workspace feeds re-read: their events
	// become readable only when older transactions end, which sends no
	// notification. 0 means 250 ms.
	WorkspacePoll time.Duration
	Log           *slog.Logger
}

// Hub fans events out to the streams of this process. The commits of this
// process wake it directly; it announces them to the other replicas in
// batches, on one PostgreSQL channel that it also listens to for theirs.
// Per session (and per workspace) one feed reads the new events once and
// every subscriber of it takes them from memory.
type Hub struct {
	store *store.Store
	opts  HubOptions
	// ctx bounds the feeds' reads; set by Run.
	ctx context.Context
	// instance names this hub's announcements, so it skips its own.
	instance string

	// beats time the heartbeats of idle streams.
	beats *beatWheel

	mu         sync.Mutex
	sessions   map[uuid.UUID]*feed[int64]
	workspaces map[uuid.UUID]*feed[domain.WorkspaceCursor]

	// unannounced are the sessions whose committed events the other
	// replicas have not been told of yet; announce signals them.
	amu         sync.Mutex
	running     bool
	unannounced []sessionKey
	announce    chan struct{}
}

func newHub(st *store.Store, opts HubOptions) *Hub {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.Resync <= 0 {
		opts.Resync = opts.Heartbeat
	}
	if opts.WorkspacePoll <= 0 {
		opts.WorkspacePoll = 250 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		store: st, opts: opts, ctx: context.Background(), instance: uuid.NewString(), beats: newBeatWheel(opts.Heartbeat),
		sessions: map[uuid.UUID]*feed[int64]{}, workspaces: map[uuid.UUID]*feed[domain.WorkspaceCursor]{},
		announce: make(chan struct{}, 1),
	}
	st.OnEventsCommitted(h.committed)
	return h
}

// Run listens for events committed by other replicas, and announces this
// one's, until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
	h.amu.Lock()
	h.running = true
	h.amu.Unlock()
	go h.announceCommitted(ctx)
	go every(ctx, h.beats.step(), h.beats.turn)
	go every(ctx, h.opts.Resync, func() { h.resyncSessions(ctx) })
	go every(ctx, h.opts.WorkspacePoll, func() { poke(h, h.workspaces, nil) })
	h.store.Listen(ctx, notifyChannel, h.notified, func() {
		poke(h, h.sessions, nil)
		poke(h, h.workspaces, nil)
	}, nil)
}

// every calls fn once a period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// resyncBatch is how many sessions one resync query checks.
const resyncBatch = 1000

// resyncSessions wakes the session feeds that fell behind without a
// notification (one lost while the listener reconnected, say). One query
// reads the newest sequence of a thousand open sessions at a time, and
// only the feeds behind it read their logs, so idle streams cost next to
// nothing however many are open.
func (h *Hub) resyncSessions(ctx context.Context) {
	h.mu.Lock()
	feeds := make([]*feed[int64], 0, len(h.sessions))
	ids := make([]uuid.UUID, 0, len(h.sessions))
	workspaces := make([]uuid.UUID, 0, len(h.sessions))
	for id, f := range h.sessions {
		feeds, ids, workspaces = append(feeds, f), append(ids, id), append(workspaces, f.workspace)
	}
	h.mu.Unlock()
	for start := 0; start < len(ids); start += resyncBatch {
		end := min(start+resyncBatch, len(ids))
		heads, err := h.store.SessionHeads(ctx, workspaces[start:end], ids[start:end])
		for i, f := range feeds[start:end] {
			if err != nil || f.behind(heads[i]) {
				f.poke()
			}
		}
		if err != nil && ctx.Err() == nil {
			h.opts.Log.Warn("resync session streams", "error", err)
		}
	}
}

// sessionKey names a session.
type sessionKey struct{ workspace, session uuid.UUID }

// committed hands the feeds of this process the events it just committed,
// and queues their sessions to be announced to the other replicas.
func (h *Hub) committed(events []domain.SessionEvent) {
	keys := make([]sessionKey, len(events))
	for i, e := range events {
		keys[i] = sessionKey{e.WorkspaceID, e.SessionID}
	}
	keys = distinct(keys)
	for _, k := range keys {
		h.deliver(k.session, events)
		poke(h, h.workspaces, &k.workspace)
	}
	h.amu.Lock()
	if h.running {
		h.unannounced = append(h.unannounced, keys...)
	}
	h.amu.Unlock()
	select {
	case h.announce <- struct{}{}:
	default: // already signalled
	}
}

// deliver gives the feed of a session, if this process follows it, the
// session's events among those just committed: the feed takes them
// without reading the log when they follow what it has, and reads the log
// otherwise.
func (h *Hub) deliver(id uuid.UUID, committed []domain.SessionEvent) {
	h.mu.Lock()
	f := h.sessions[id]
	h.mu.Unlock()
	if f == nil {
		return
	}
	var entries []entry[int64]
	for _, e := range committed {
		if e.SessionID != id {
			continue
		}
		ev, err := DecodeEvent(e)
		if err != nil {
			f.poke()
			return
		}
		entries = append(entries, entry[int64]{cursor: e.Sequence, ev: ev})
	}
	if !takeNext(f, entries) {
		f.poke()
	}
}

// eventsTag starts an announcement of committed events.
const eventsTag = "events"

// announcePairs is how many sessions one announcement names: its payload
// stays under PostgreSQL's 8000 bytes.
const announcePairs = 100

// announceCommitted tells the other replicas which sessions got events,
// as "events <instance> <workspace> <session> ...", until ctx ends. What
// commits while one batch is being sent goes in the next, so the
// announcements cost a statement per batch, not per commit, and, sent from
// transactions that write nothing, they never wait for a disk flush. One
// that is lost (the process stops first, the database is unreachable) is
// made up for by the other replicas' resync.
func (h *Hub) announceCommitted(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.announce:
		}
		h.amu.Lock()
		keys := h.unannounced
		h.unannounced = nil
		h.amu.Unlock()
		if len(keys) == 0 {
			continue
		}
		keys = distinct(keys) // a session may have committed several times since
		var payloads []string
		for start := 0; start < len(keys); start += announcePairs {
			var b strings.Builder
			b.WriteString(eventsTag + " " + h.instance)
			for _, k := range keys[start:min(start+announcePairs, len(keys))] {
				b.WriteString(" " + k.workspace.String() + " " + k.session.String())
			}
			payloads = append(payloads, b.String())
		}
		if err := h.store.NotifyMany(ctx, notifyChannel, payloads); err != nil && ctx.Err() == nil {
			h.opts.Log.Warn("announce committed events to other replicas", "sessions", len(keys), "error", err)
		}
	}
}

// distinct returns keys without repeats, in first-seen order, reusing keys.
func distinct(keys []sessionKey) []sessionKey {
	seen := make(map[sessionKey]bool, len(keys))
	out := keys[:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// notified handles another replica's announcement, "events <instance>
// <workspace> <session> ...": it wakes the feeds of those sessions and
// workspaces, which read what is new themselves. A "delta <session> <base64
// MessageDelta>" goes to the session's feed as is.
func (h *Hub) notified(payload string) {
	parts := strings.Fields(payload)
	switch {
	case len(parts) == 3 && parts[0] == deltaTag:
		h.deltaNotified(parts[1], parts[2])
	case len(parts) >= 2 && parts[0] == eventsTag && parts[1] != h.instance:
		for i := 2; i+1 < len(parts); i += 2 {
			ws, err1 := uuid.Parse(parts[i])
			sess, err2 := uuid.Parse(parts[i+1])
			if err1 != nil || err2 != nil {
				h.opts.Log.Warn("malformed events notification", "payload", payload)
				return
			}
			poke(h, h.sessions, &sess)
			poke(h, h.workspaces, &ws)
		}
	}
}

// poke wakes the feed of key in feeds, or every feed when key is nil. One
// session's event costs a map lookup however many feeds are open.
func poke[C comparable](h *Hub, feeds map[uuid.UUID]*feed[C], key *uuid.UUID) {
	h.mu.Lock()
	var woken []*feed[C]
	if key != nil {
		if f := feeds[*key]; f != nil {
			woken = append(woken, f)
		}
	} else {
		woken = make([]*feed[C], 0, len(feeds))
		for _, f := range feeds {
			woken = append(woken, f)
		}
	}
	h.mu.Unlock()
	for _, f := range woken {
		f.poke()
	}
}

// deltaTag starts the notification of a streamed delta.
const deltaTag = "delta"

// maxDeltaText bounds the text of one delta notification (PostgreSQL
// refuses payloads of 8000 bytes and more); PublishDelta splits longer
// text.
const maxDeltaText = 3000

// PublishDelta streams part of a message still being written to the
// session's subscribers on every replica. Deltas are not stored: a
// subscriber that connects later sees only the final message.
func (h *Hub) PublishDelta(ctx context.Context, sessionID uuid.UUID, d *sessionv1.MessageDelta) error {
	for part := range textParts(d.GetText(), maxDeltaText) {
		b, err := proto.Marshal(&sessionv1.MessageDelta{StreamId: d.GetStreamId(), Index: d.GetIndex(), Text: part})
		if err != nil {
			return err
		}
		payload := deltaTag + " " + sessionID.String() + " " + base64.StdEncoding.EncodeToString(b)
		if err := h.store.Notify(ctx, notifyChannel, payload); err != nil {
			return err
		}
	}
	return nil
}

// textParts splits s into pieces of at most n bytes, on rune boundaries;
// an empty s is one empty piece.
func textParts(s string, n int) iter.Seq[string] {
	return func(yield func(string) bool) {
		for {
			cut := len(s)
			if cut > n {
				cut = n
				for cut > 0 && !utf8.RuneStart(s[cut]) {
					cut--
				}
			}
			if !yield(s[:cut]) || cut == len(s) {
				return
			}
			s = s[cut:]
		}
	}
}

func (h *Hub) deltaNotified(sessionText, body string) {
	id, err := uuid.Parse(sessionText)
	if err != nil {
		return
	}
	b, err := base64.StdEncoding.DecodeString(body)
	d := new(sessionv1.MessageDelta)
	if err != nil || proto.Unmarshal(b, d) != nil {
		h.opts.Log.Warn("malformed delta notification", "session", sessionText)
		return
	}
	h.mu.Lock()
	f := h.sessions[id]
	h.mu.Unlock()
	if f != nil {
		f.addDelta(d)
	}
}

// Heartbeat is a stream's sign of life: the time and the newest position.
type Heartbeat[C any] struct {
	Time time.Time
	Head C
}

// FollowSession streams a session's events after a sequence: first the
// ones the caller missed, then live ones as they commit, calling onEvent in
// sequence order with no gap and no repeat, onDelta with the deltas of
// messages being streamed from now on (in the order they were published,
// before the message that completes them), and onHeartbeat when the stream
// is idle. It returns when ctx ends or a callback fails.
func (h *Hub) FollowSession(ctx context.Context, workspaceID, id uuid.UUID, after int64,
	onEvent func(*sessionv1.SessionEvent) error, onDelta func(*sessionv1.MessageDelta) error, onHeartbeat func(Heartbeat[int64]) error,
) error {
	f := join(h, h.sessions, id, func() *feed[int64] {
		f := newFeed[int64](h, sessionLog{h.store, workspaceID, id}, func(a, b int64) bool { return a < b })
		f.workspace = workspaceID
		return f
	})
	defer leave(h, h.sessions, id, f)
	return f.follow(ctx, after, func(e entry[int64]) error { return onEvent(e.ev) }, onDelta, onHeartbeat)
}

// FollowWorkspace is FollowSession for every event of a workspace, after a
// cursor; the zero cursor means from the beginning of the log.
func (h *Hub) FollowWorkspace(ctx context.Context, workspaceID uuid.UUID, after domain.WorkspaceCursor,
	onEvent func(domain.WorkspaceCursor, *sessionv1.SessionEvent) error, onHeartbeat func(Heartbeat[domain.WorkspaceCursor]) error,
) error {
	f := join(h, h.workspaces, workspaceID, func() *feed[domain.WorkspaceCursor] {
		return newFeed[domain.WorkspaceCursor](h, workspaceLog{h.store, workspaceID}, func(a, b domain.WorkspaceCursor) bool {
			return a.Xid < b.Xid || (a.Xid == b.Xid && a.ID < b.ID)
		})
	})
	defer leave(h, h.workspaces, workspaceID, f)
	return f.follow(ctx, after, func(e entry[domain.WorkspaceCursor]) error { return onEvent(e.cursor, e.ev) }, nil, onHeartbeat)
}

// join returns the feed of key, making it when it is the first subscriber.
// Each join is followed by a leave.
func join[C comparable](h *Hub, feeds map[uuid.UUID]*feed[C], key uuid.UUID, create func() *feed[C]) *feed[C] {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := feeds[key]
	if f == nil {
		f = create()
		feeds[key] = f
	}
	f.refs++
	return f
}

// leave undoes a join of f, the feed of key; the last one out removes it.
func leave[C comparable](h *Hub, feeds map[uuid.UUID]*feed[C], key uuid.UUID, f *feed[C]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f.refs--; f.refs == 0 {
		delete(feeds, key)
	}
}

// WorkspaceHead is the cursor of the newest event a workspace stream can
// deliver now: following from it streams only what comes next.
func (h *Hub) WorkspaceHead(ctx context.Context, workspaceID uuid.UUID) (domain.WorkspaceCursor, error) {
	return h.store.WorkspaceEventsHead(ctx, workspaceID)
}

func (h *Hub) runContext() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ctx
}

// source reads a log: its head, and entries after a cursor.
type source[C comparable] interface {
	head(ctx context.Context) (C, error)
	after(ctx context.Context, after C, limit int) ([]entry[C], error)
}

type entry[C comparable] struct {
	cursor C
	ev     *sessionv1.SessionEvent
}

// sessionLog is the log of a session.
type sessionLog struct {
	st            *store.Store
	workspace, id uuid.UUID
}

func (l sessionLog) head(ctx context.Context) (int64, error) {
	return l.st.SessionLastSequence(ctx, l.workspace, l.id)
}

func (l sessionLog) after(ctx context.Context, after int64, limit int) ([]entry[int64], error) {
	stored, err := l.st.SessionEvents(ctx, l.workspace, l.id, after, limit)
	return readEntries(stored, err, func(e domain.SessionEvent) int64 { return e.Sequence })
}

// workspaceLog is the log of every session of a workspace.
type workspaceLog struct {
	st        *store.Store
	workspace uuid.UUID
}

func (l workspaceLog) head(ctx context.Context) (domain.WorkspaceCursor, error) {
	return l.st.WorkspaceEventsHead(ctx, l.workspace)
}

func (l workspaceLog) after(ctx context.Context, after domain.WorkspaceCursor, limit int) ([]entry[domain.WorkspaceCursor], error) {
	stored, err := l.st.WorkspaceEvents(ctx, l.workspace, after, limit)
	return readEntries(stored, err, func(e domain.SessionEvent) domain.WorkspaceCursor {
		return domain.WorkspaceCursor{Xid: e.Xid, ID: e.ID}
	})
}

// readEntries decodes stored events into entries with their cursors.
func readEntries[C comparable](stored []domain.SessionEvent, err error, cursor func(domain.SessionEvent) C) ([]entry[C], error) {
	if err != nil {
		return nil, err
	}
	out := make([]entry[C], len(stored))
	for i, e := range stored {
		ev, err := DecodeEvent(e)
		if err != nil {
			return nil, err
		}
		out[i] = entry[C]{cursor: cursor(e), ev: ev}
	}
	return out, nil
}

// pageSize bounds each read of a log.
const pageSize = 500

// windowSize is how many recent entries a feed keeps for its subscribers.
const windowSize = 1024

// deltaWindow is how many recent deltas a feed keeps; a subscriber slower
// than that loses the oldest ones (the final message still arrives).
const deltaWindow = 256

// feed is one log (a session's, or a workspace's) followed by this process.
// It reads new entries once per wake-up and keeps the most recent ones, so
// its subscribers take them from memory; a subscriber further behind reads
// the log itself.
type feed[C comparable] struct {
	hub *Hub
	// workspace is a session feed's workspace.
	workspace uuid.UUID
	src       source[C]
	less      func(a, b C) bool
	refs      int // guarded by hub.mu

	mu sync.Mutex
	// ready: head and base are known.
	ready bool
	// window holds consecutive entries after base, the last one at head.
	base, head C
	window     []entry[C]
	// changed is closed (and replaced) whenever the window moves.
	changed          chan struct{}
	reading, pending bool
	// deltas are the most recent deltas; deltaCount counts every delta
	// the feed has had, so deltas[i] is number deltaCount-len(deltas)+i.
	deltas     []*sessionv1.MessageDelta
	deltaCount int
}

// behind reports whether the feed has yet to read up to head (or to read
// at all).
func (f *feed[C]) behind(head C) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.ready || f.less(f.head, head)
}

func (f *feed[C]) addDelta(d *sessionv1.MessageDelta) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deltas = append(f.deltas, d)
	f.deltaCount++
	if over := len(f.deltas) - deltaWindow; over > 0 {
		f.deltas = append([]*sessionv1.MessageDelta(nil), f.deltas[over:]...)
	}
	f.signal()
}

// deltasSince returns the deltas after number n and the number to ask
// from next.
func (f *feed[C]) deltasSince(n int) ([]*sessionv1.MessageDelta, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := f.deltaCount - len(f.deltas)
	n = min(max(n, first), f.deltaCount)
	return append([]*sessionv1.MessageDelta(nil), f.deltas[n-first:]...), f.deltaCount
}

func newFeed[C comparable](h *Hub, src source[C], less func(a, b C) bool) *feed[C] {
	f := &feed[C]{hub: h, src: src, less: less, changed: make(chan struct{})}
	f.poke()
	return f
}

// poke makes the feed read new entries: now, or right after the read in
// progress.
func (f *feed[C]) poke() {
	f.mu.Lock()
	if f.reading {
		f.pending = true
		f.mu.Unlock()
		return
	}
	f.reading = true
	f.mu.Unlock()
	go f.read()
}

func (f *feed[C]) read() {
	ctx := f.hub.runContext()
	for {
		f.mu.Lock()
		f.pending = false
		ready, head := f.ready, f.head
		f.mu.Unlock()

		var (
			got []entry[C]
			err error
		)
		if !ready {
			head, err = f.src.head(ctx)
		} else {
			got, err = f.src.after(ctx, head, pageSize)
		}

		f.mu.Lock()
		if err != nil {
			f.hub.opts.Log.Warn("reading session events", "error", err)
			f.reading = false // the next poke or resync retries
			f.mu.Unlock()
			return
		}
		if !ready {
			f.ready, f.base, f.head = true, head, head
			f.signal()
		}
		f.extend(got)
		again := f.pending || !ready || len(got) == pageSize
		if !again {
			f.reading = false
		}
		f.mu.Unlock()
		if !again {
			return
		}
	}
}

// extend appends entries that follow the head to the window, keeping its
// last windowSize, and wakes the subscribers. f.mu is held.
func (f *feed[C]) extend(got []entry[C]) {
	if len(got) == 0 {
		return
	}
	f.window = append(f.window, got...)
	f.head = got[len(got)-1].cursor
	if over := len(f.window) - windowSize; over > 0 {
		f.base = f.window[over-1].cursor
		f.window = append([]entry[C](nil), f.window[over:]...)
	}
	f.signal()
}

// signal wakes the subscribers: the window moved. f.mu is held.
func (f *feed[C]) signal() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// takeNext puts entries of a session feed in its window as a read of the
// log would, skipping those it has, and reports whether it could: not
// before the feed is ready or while it reads, and not when they do not
// follow its head.
func takeNext(f *feed[int64], entries []entry[int64]) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ready || f.reading {
		return false
	}
	for len(entries) > 0 && entries[0].cursor <= f.head {
		entries = entries[1:]
	}
	next := f.head
	for _, e := range entries {
		if next++; e.cursor != next {
			return false
		}
	}
	f.extend(entries)
	return true
}

// since returns the window's entries after c, and a channel closed when the
// window next moves. behind is true when c is before the window: the caller
// must read the log itself. Before the feed is ready it returns nothing.
func (f *feed[C]) since(c C) (out []entry[C], changed <-chan struct{}, head C, behind bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ready {
		return nil, f.changed, f.head, false
	}
	if f.less(c, f.base) {
		return nil, f.changed, f.head, true
	}
	for i, e := range f.window {
		if f.less(c, e.cursor) {
			return append([]entry[C](nil), f.window[i:]...), f.changed, f.head, false
		}
	}
	return nil, f.changed, f.head, false
}

// follow streams the feed's entries after cursor, and its deltas, to a
// subscriber, and a heartbeat on each beat of the hub's wheel that finds it
// idle: nothing sent since the beat before.
func (f *feed[C]) follow(ctx context.Context, cursor C, onEntry func(entry[C]) error, onDelta func(*sessionv1.MessageDelta) error,
	onHeartbeat func(Heartbeat[C]) error,
) error {
	beats := f.hub.beats
	slot, sent := beats.join(), false
	_, nextDelta := f.deltasSince(math.MaxInt)
	for {
		// Deltas are read after since: one added later closes changed.
		got, changed, head, behind := f.since(cursor)
		if onDelta != nil {
			var deltas []*sessionv1.MessageDelta
			deltas, nextDelta = f.deltasSince(nextDelta)
			for _, d := range deltas {
				if err := onDelta(d); err != nil {
					return err
				}
			}
		}
		if behind {
			var err error
			if got, err = Aside(ctx, func(ctx context.Context) ([]entry[C], error) { return f.src.after(ctx, cursor, pageSize) }); err != nil {
				return err
			}
		}
		for _, e := range got {
			if err := onEntry(e); err != nil {
				return err
			}
			cursor = e.cursor
		}
		if len(got) > 0 {
			sent = true
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-beats.beat(slot):
			if sent {
				sent = false
				continue
			}
			if f.less(head, cursor) {
				head = cursor
			}
			if err := onHeartbeat(Heartbeat[C]{Time: time.Now(), Head: head}); err != nil {
				return err
			}
		}
	}
}

// Aside runs read on a goroutine of its own and returns what it returns; a
// panic in read panics in the caller. A stream's goroutine calls the
// database through it. That goroutine lives as long as its stream, and its
// stack keeps the largest size it grew to until a garbage collection
// shrinks it; a read through pgx and its pool grows a stack past 8 KiB.
// Aside's goroutine ends with the read, and its stack goes back to the
// runtime's pool for the next one. Read on the stream's own stack, 10,000
// streams opening at once grew 10,000 stacks to 16 KiB, and the 8 KiB each
// that the collector took back stayed with the process as free heap.
//
// read gets a context with ctx's values that Aside cancels when ctx ends,
// rather than ctx itself: pgx registers a callback with the context of
// each query, and the first registration with a context gives it a map of
// its children, which a stream's context would keep for the stream's life
// (about 250 bytes a stream).
func Aside[T any](ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	var (
		v        T
		err      error
		panicked any
		done     = make(chan struct{})
	)
	readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		v, err = read(readCtx)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		cancel()
		<-done
	}
	if panicked != nil {
		panic(panicked)
	}
	return v, err
}
