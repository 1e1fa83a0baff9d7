package store

import (
	"context"

	"github.com/parleyhq/parley/gen/db"
)

// RegisterUUID is registerUUID, for the tests of package store_test.
var RegisterUUID = registerUUID

// BatchedJoins are the batched statements that join their JSON rows to a
// table, by name, for the tests of package store_test.
func BatchedJoins() map[string]string {
	var update, lock capture
	_ = sessionRows.exec(context.Background(), &update, nil)
	_, _ = db.New().LockSessionsToStart(context.Background(), &lock, nil)
	return map[string]string{"UpdateSessions": update.sql, "LockSessionsToStart": lock.sql}
}
