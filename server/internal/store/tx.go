package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleyhq/parley/gen/db"
	"github.com/parleyhq/parley/server/internal/domain"
)

// tx is the transaction InTx runs its function in. It saves round trips to
// the database: BEGIN goes with the transaction's first statement, and the
// writes whose result nobody reads (see Store.later and Store.writeRows)
// wait in a queue and go with the next statement, or with COMMIT, as one
// pipelined batch, rows for one table merged into one statement. So a
// statement always sees every write made before it in the transaction, and
// a queued write that fails fails the statement it went with, and the
// transaction: nothing is half-written. A transaction that never sent
// anything commits and rolls back without a round trip.
type tx struct {
	conn *pgx.Conn
	// db is pgx's transaction, once BEGIN was sent: for LargeObjects.
	db      pgx.Tx
	pending []queued
	// batches counts the batches sent, so a savepoint knows whether its
	// own SAVEPOINT statement is still in the queue.
	batches    int
	savepoints int64
	closed     bool
	// sessions are the rows this transaction locked, as it last wrote
	// them: no one else can change them before it ends.
	sessions map[[2]uuid.UUID]db.Session
	// events are the session events it appended.
	events []domain.SessionEvent
	// arena holds the JSON rows it writes, until it ends.
	arena rowArena
}

// queued is a write waiting to be sent.
type queued struct {
	// key names the write for rewrite, or is empty.
	key  string
	sql  string
	args []any
	// interpret turns the write's error into the caller's, or is nil.
	interpret func(error) error
	// kind, when not nil, makes this a write of rows, merged with others
	// of its kind when sent (mergeRows); id names what the rows are of.
	kind *rowKind
	id   string
	rows []json.RawMessage
}

// txLike is what the ctx of InTx holds: the transaction or a savepoint in it.
type txLike interface {
	pgx.Tx
	top() *tx
}

func newTx(conn *pgx.Conn) *tx { return &tx{conn: conn} }

func (t *tx) top() *tx { return t }

// queue adds a write to be sent with the next statement.
func (t *tx) queue(key, sql string, args []any, interpret func(error) error) {
	t.pending = append(t.pending, queued{key: key, sql: sql, args: args, interpret: interpret})
}

// direct reports whether a statement can go on its own: BEGIN was sent and
// nothing waits. A closed transaction's statements go to send, which
// refuses them: its connection may be serving someone else by now.
func (t *tx) direct() bool { return !t.closed && t.db != nil && len(t.pending) == 0 }

// send sends BEGIN (the first time), the queued writes and then last (if
// not empty) in one batch, and reads the writes' results. On success the
// returned results are positioned at last's result and must be closed.
func (t *tx) send(ctx context.Context, last string, args []any) (pgx.BatchResults, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	b := &pgx.Batch{}
	begin := t.db == nil
	if begin {
		b.BeginTx(pgx.TxOptions{})
	}
	pending := mergeRows(&t.arena, t.pending)
	t.pending = nil
	for _, q := range pending {
		b.Queue(q.sql, q.args...)
	}
	if last != "" {
		b.Queue(last, args...)
	}
	t.batches++
	br := t.conn.SendBatch(ctx, b)
	if begin {
		t.db = br.Tx()
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	for _, q := range pending {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			if q.interpret != nil {
				err = q.interpret(err)
			}
			return nil, err
		}
	}
	return br, nil
}

// flush sends BEGIN and the queued writes, if either waits.
func (t *tx) flush(ctx context.Context) error {
	if t.direct() {
		return nil
	}
	br, err := t.send(ctx, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.direct() {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.direct() {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgx.FailedBatchResults(&pgx.Batch{}, err).Query() // rows that report err
	}
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		return rows, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.direct() {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return failedRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

func (t *tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.flush(ctx); err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return t.conn.SendBatch(ctx, b)
}

func (t *tx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, columns, src)
}

func (t *tx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.conn.Prepare(ctx, name, sql)
}

// LargeObjects is pgx's large object API in this transaction. Its calls do
// not see the queued writes: flush them first.
func (t *tx) LargeObjects() pgx.LargeObjects {
	if t.db == nil {
		_ = t.flush(context.Background())
	}
	if t.db == nil { // closed before it sent anything
		b := &pgx.Batch{}
		b.BeginTx(pgx.TxOptions{})
		return pgx.FailedBatchResults(b, pgx.ErrTxClosed).Tx().LargeObjects()
	}
	return t.db.LargeObjects()
}

func (t *tx) Conn() *pgx.Conn { return t.conn }

// Begin starts a savepoint. Its SAVEPOINT statement is queued like a write.
func (t *tx) Begin(context.Context) (pgx.Tx, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	t.savepoints++
	name := "sp_" + strconv.FormatInt(t.savepoints, 10)
	t.queue("", "savepoint "+name, nil, nil)
	return &savepoint{tx: t, name: name, at: len(t.pending) - 1, batch: t.batches, events: len(t.events)}, nil
}

// Commit sends the queued writes and COMMIT in one batch.
func (t *tx) Commit(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	defer t.arena.release()
	if t.db == nil && len(t.pending) == 0 {
		t.closed = true
		return nil // nothing was sent or waits: nothing to commit
	}
	br, err := t.send(ctx, "commit", nil)
	t.closed = true
	if err != nil {
		return err
	}
	tag, err := br.Exec()
	if err = errors.Join(err, br.Close()); err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback drops the queued writes and rolls back what was sent.
func (t *tx) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	defer t.arena.release()
	t.closed = true
	t.pending = nil
	if t.db == nil {
		return nil
	}
	if _, err := t.conn.Exec(ctx, "rollback"); err != nil {
		_ = t.conn.Close(context.WithoutCancel(ctx)) // its state is unknown now
		return err
	}
	return nil
}

// savepoint is a pseudo-nested transaction of a tx.
type savepoint struct {
	*tx
	name string
	// at is the index of the SAVEPOINT statement in the queue while the
	// tx has sent no batch since batch.
	at, batch int
	// events is how many events the tx had appended when it began.
	events int
	done   bool
}

// Commit releases the savepoint. While the SAVEPOINT statement itself
// still waits in the queue, nothing was sent since it, so it is dropped:
// the writes after it are the transaction's, as a RELEASE would make them,
// and they merge with the writes around them. Otherwise the RELEASE is
// queued like a write.
func (sp *savepoint) Commit(context.Context) error {
	if sp.done || sp.tx.closed {
		return pgx.ErrTxClosed
	}
	sp.done = true
	if sp.batch == sp.batches {
		sp.pending = slices.Delete(sp.pending, sp.at, sp.at+1)
		return nil
	}
	sp.queue("", "release savepoint "+sp.name, nil, nil)
	return nil
}

// Rollback undoes what was written since the savepoint. While the
// SAVEPOINT statement itself still waits in the queue, that is dropping it
// and everything queued after it; otherwise every queued write came after
// it, and ROLLBACK TO is queued in their place.
func (sp *savepoint) Rollback(context.Context) error {
	if sp.done || sp.tx.closed {
		return pgx.ErrTxClosed
	}
	sp.done = true
	sp.tx.events = sp.tx.events[:sp.events]
	if sp.batch == sp.batches {
		if len(sp.pending) > sp.at+1 {
			sp.sessions = nil // its writes are undone
		} // else it sent and queued nothing: the sessions are as they were
		sp.pending = sp.pending[:sp.at]
		return nil
	}
	sp.sessions = nil // its writes are undone, and maybe its locks
	sp.pending = nil
	sp.queue("", "rollback to savepoint "+sp.name, nil, nil)
	return nil
}

// batchRow is the row of a statement sent in a batch; scanning it closes
// the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are the rows of a statement sent in a batch; the batch closes
// with them.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults
	closed   bool
	closeErr error
}

func (r *batchRows) finish() {
	if !r.closed {
		r.closed = true
		r.Rows.Close()
		r.closeErr = r.br.Close()
	}
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

func (r *batchRows) Close() { r.finish() }

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.closeErr
}

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// later returns where a write whose result nobody reads goes: into the
// queue of the transaction in ctx (sent with the next statement or the
// commit), or straight to the database outside one. key names the write
// for rewrite (or is empty); interpret turns the write's error into the
// caller's when it fails later.
func (s *Store) later(ctx context.Context, key string, interpret func(error) error) db.DBTX {
	if t, ok := ctx.Value(txKey{}).(txLike); ok {
		return queuer{t.top(), key, interpret}
	}
	return s.pool
}

// lockedSession returns a session's row as the transaction in ctx last
// locked or wrote it, if it did.
func lockedSession(ctx context.Context, workspaceID, id uuid.UUID) (db.Session, bool) {
	t, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return db.Session{}, false
	}
	row, ok := t.top().sessions[[2]uuid.UUID{workspaceID, id}]
	return row, ok
}

// keepLocked remembers a session's row locked or written by the
// transaction in ctx.
func keepLocked(ctx context.Context, row db.Session) {
	t, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return
	}
	top := t.top()
	if top.sessions == nil {
		top.sessions = map[[2]uuid.UUID]db.Session{}
	}
	top.sessions[[2]uuid.UUID{row.WorkspaceID, row.ID}] = row
}

// noteEvent remembers an event the transaction in ctx appended, and
// reports whether there is one.
func noteEvent(ctx context.Context, e domain.SessionEvent) bool {
	t, ok := ctx.Value(txKey{}).(txLike)
	if !ok {
		return false
	}
	top := t.top()
	top.events = append(top.events, e)
	return true
}

// queuer queues Exec; its other statements go at once, with the queue.
type queuer struct {
	*tx
	key       string
	interpret func(error) error
}

func (q queuer) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if q.closed {
		return pgconn.CommandTag{}, pgx.ErrTxClosed
	}
	q.queue(q.key, sql, args, q.interpret)
	return pgconn.CommandTag{}, nil
}

// capture records the statement of one Exec instead of running it.
type capture struct {
	sql  string
	args []any
}

func (c *capture) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.sql, c.args = sql, args
	return pgconn.CommandTag{}, nil
}

// Query records its statement but runs nothing, so it returns an error.
func (c *capture) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.sql, c.args = sql, args
	return nil, errors.New("store: capture records statements only")
}

func (c *capture) QueryRow(context.Context, string, ...any) pgx.Row {
	return failedRow{errors.New("store: capture records statements only")}
}
