package embeddedpg

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrDataDirInUse is returned (wrapped) by [Start] and [Cluster.Destroy] when
// another Cluster, in this process or another one, holds the data dir.
var ErrDataDirInUse = errors.New("data dir in use by another parley process")

// lockDataDir takes the exclusive, non-blocking flock that makes a Cluster
// the only user of a data dir. The kernel releases it when the file is
// closed or the process dies, however it dies, so a crash never leaves the
// data dir locked. Go opens files close-on-exec, so postgres does not
// inherit it. The lock is per open file, so it also excludes a second
// Cluster in the same process.
func lockDataDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf(", held by pid %d", pid)
			}
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("embeddedpg: %w (lock %s%s)", ErrDataDirInUse, path, holder)
		}
		return nil, fmt.Errorf("embeddedpg: lock %s: %w", path, err)
	}
	// The pid is only for the error message above; the flock is the lock.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
