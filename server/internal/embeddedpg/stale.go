package embeddedpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidOwner classifies the process a postmaster.pid names.
type pidOwner int

const (
	pidUnknown pidOwner = iota // cannot tell (no /proc): leave it to postgres
	pidGone                    // no such process: postgres discards the file itself
	pidOurs                    // a postgres serving this very PGDATA
	pidOther                   // some other process (the PID was reused) or a zombie
)

// clearStalePostmaster deals with a postmaster.pid that a previous owner of
// the data dir left behind. It must run with the data dir lock held, which
// proves that no live Cluster owns the server it may name.
func clearStalePostmaster(ctx context.Context, pgdata string, logger *slog.Logger) error {
	pidFile := filepath.Join(pgdata, "postmaster.pid")
	if _, err := os.Stat(pidFile); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("embeddedpg: %w", err)
	}
	pid, ok := readPID(pgdata)
	if !ok {
		// A crash while the server was starting can leave the file empty
		// or partial, and postgres then refuses to start ("lock file ...
		// is empty"). With the lock held no server of ours is starting.
		logger.Warn("removing malformed postmaster.pid", "file", pidFile)
		return removeFile(pidFile)
	}

	switch classifyPID(pid, pgdata) {
	case pidOurs:
		logger.Warn("stopping PostgreSQL left running by a previous parley process", "pid", pid, "pgdata", pgdata)
		return stopOrphan(ctx, pid)
	case pidOther:
		// postgres would take the live PID for another server and refuse
		// to start. Shared memory still guards the data: a new server
		// refuses to start while old backends are attached to the segment
		// keyed by the data directory's inode.
		logger.Warn("removing stale postmaster.pid naming an unrelated process", "pid", pid, "file", pidFile)
		return removeFile(pidFile)
	default:
		return nil
	}
}

// readPID returns the PID in pgdata's postmaster.pid, if it holds one.
func readPID(pgdata string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil && pid > 0
}

// classifyPID tells whether pid is a postgres serving pgdata, from
// /proc/<pid>/cmdline: we always start it as `postgres -D <pgdata> ...`.
func classifyPID(pid int, pgdata string) pidOwner {
	proc := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(proc + "/cmdline")
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat("/proc/self"); err != nil {
			return pidUnknown
		}
		return pidGone
	}
	if err != nil {
		return pidUnknown
	}
	args := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
	if len(args) == 0 || args[0] == "" {
		return pidOther // zombie: postgres's kill(pid, 0) would still say alive
	}
	if base := filepath.Base(args[0]); base != "postgres" && base != "postmaster" {
		return pidOther
	}
	for i, a := range args {
		var dir string
		switch {
		case a == "-D" && i+1 < len(args):
			dir = args[i+1]
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			dir = a[2:]
		default:
			continue
		}
		if !filepath.IsAbs(dir) {
			cwd, err := os.Readlink(proc + "/cwd")
			if err != nil {
				return pidUnknown
			}
			dir = filepath.Join(cwd, dir)
		}
		if sameFile(dir, pgdata) {
			return pidOurs
		}
		return pidOther
	}
	// A postgres given its data directory some other way (PGDATA): not one
	// we started, and not provably someone else's either.
	return pidUnknown
}

// stopOrphan fast-shuts-down a server that is not our child, escalating to
// an immediate shutdown and then SIGKILL if ctx ends first. It returns once
// the process is gone (or a zombie nobody reaps).
func stopOrphan(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("embeddedpg: stop PostgreSQL (pid %d) left by a previous process: %w", pid, err)
	}
	if waitExit(ctx, pid) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killGrace)
	defer cancel()
	if !waitExit(graceCtx, pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return fmt.Errorf("embeddedpg: PostgreSQL (pid %d) left by a previous process did not shut down in time: %w", pid, ctx.Err())
}

// waitExit polls until pid is no longer running or ctx ends, and reports
// which happened.
func waitExit(ctx context.Context, pid int) bool {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for processRunning(pid) {
		select {
		case <-ctx.Done():
			return false
		case <-ticker.C:
		}
	}
	return true
}

// processRunning reports whether pid exists and is not a zombie. A server
// orphaned by a dead owner is reaped by init, or by nobody in some
// containers, so a zombie counts as gone.
func processRunning(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if _, serr := os.Stat("/proc/self"); serr != nil {
			// No /proc: fall back to signal 0, which counts zombies as
			// alive but is all there is.
			return syscall.Kill(pid, 0) == nil
		}
		return false
	}
	// The state follows the parenthesised command name, which may itself
	// contain parentheses: "pid (comm) S ...".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("embeddedpg: %w", err)
	}
	return nil
}
