package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// maxLogSize is the size past which Start rotates postgres.log to
	// postgres.log.1, so a long-lived data dir's log stays bounded.
	maxLogSize = 8 << 20
	// killGrace is how long an immediate shutdown may take before SIGKILL.
	killGrace = 5 * time.Second
	// pollInterval paces the waits on postmaster.pid and on processes.
	pollInterval = 10 * time.Millisecond
)

// errPortInUse marks a start that failed because the port was taken, which
// Start retries on another port when it picked the port itself.
var errPortInUse = errors.New("port in use")

// postmaster is a running PostgreSQL server that is our child.
type postmaster struct {
	proc *os.Process
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // Wait's result; read only after done is closed
}

// spawn starts cmd and reaps it in the background.
//
// On Linux the child gets a parent-death signal, which the kernel sends when
// the thread that forked it exits, not the process. So the fork happens on a
// goroutine locked to its thread for the server's whole life: the goroutine
// then waits for the server, and the thread only goes away with the process
// or after the server has exited (a goroutine that returns while locked
// takes its thread with it).
func spawn(cmd *exec.Cmd) (*postmaster, error) {
	pm := &postmaster{done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		pm.proc = cmd.Process
		started <- nil
		pm.err = cmd.Wait()
		close(pm.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return pm, nil
}

// shutdown stops the server with a fast shutdown (SIGINT: roll back open
// transactions, checkpoint, exit after all backends have). If ctx ends
// first it escalates to kill and reports ctx's error; the server is gone
// either way when shutdown returns.
func (pm *postmaster) shutdown(ctx context.Context) error {
	_ = pm.proc.Signal(syscall.SIGINT)
	select {
	case <-pm.done:
		return nil
	case <-ctx.Done():
	}
	pm.kill()
	return fmt.Errorf("embeddedpg: PostgreSQL did not finish a fast shutdown in time (%w); it was shut down immediately", ctx.Err())
}

// kill stops the server with an immediate shutdown (SIGQUIT: the next start
// runs crash recovery), then SIGKILL if that hangs. It returns once the
// server has exited.
func (pm *postmaster) kill() {
	_ = pm.proc.Signal(syscall.SIGQUIT)
	select {
	case <-pm.done:
		return
	case <-time.After(killGrace):
	}
	_ = pm.proc.Kill()
	<-pm.done
}

// startPostmaster runs postgres on port and waits until it accepts
// connections. On failure the server is not running and the error carries
// the tail of the log written by this attempt.
func (c *Cluster) startPostmaster(ctx context.Context, port int, settings map[string]string) error {
	logf, offset, err := c.openLog()
	if err != nil {
		return err
	}
	args := []string{"-D", c.lay.pgdata}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", k+"="+settings[k])
	}
	// Last, so that they win over Settings: these are the package's
	// guarantees (loopback only, our port, our socket directory).
	args = append(args,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port="+strconv.Itoa(port),
		"-c", "unix_socket_directories="+quoteDirList(c.sockDir),
	)
	cmd := c.acct.command(exec.Command(c.bins.path("postgres"), args...), c.lay.root)
	cmd.Stdout, cmd.Stderr = logf, logf // stdin stays /dev/null
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Own session: a Ctrl-C in Parley's terminal must not reach the server
	// before Parley has finished with it.
	cmd.SysProcAttr.Setsid = true
	setParentDeathSignal(cmd.SysProcAttr)

	pm, err := spawn(cmd)
	logf.Close() // the child has its own descriptor
	if err != nil {
		return fmt.Errorf("embeddedpg: start postgres: %w", err)
	}

	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if postmasterReady(c.lay.pgdata, pm.proc.Pid) {
			c.pm = pm
			return nil
		}
		select {
		case <-ctx.Done():
			pm.kill()
			return fmt.Errorf("embeddedpg: waiting for PostgreSQL to accept connections: %w%s", ctx.Err(), logTail(c.lay.logFile, offset))
		case <-pm.done:
			tail := logTail(c.lay.logFile, offset)
			if strings.Contains(tail, "could not bind") || strings.Contains(tail, "Address already in use") {
				return fmt.Errorf("embeddedpg: PostgreSQL could not listen on 127.0.0.1:%d: %w%s", port, errPortInUse, tail)
			}
			return fmt.Errorf("embeddedpg: PostgreSQL exited during startup (%v)%s", pm.err, tail)
		case <-ticker.C:
		}
	}
}

// postmasterReady reports whether postmaster.pid names pid and says
// "ready", which the server writes once it accepts connections (this is
// what pg_ctl -w waits for).
func postmasterReady(pgdata string, pid int) bool {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	const statusLine = 7 // LOCK_FILE_LINE_PM_STATUS, 1-based 8
	return len(lines) > statusLine &&
		strings.TrimSpace(lines[0]) == strconv.Itoa(pid) &&
		strings.TrimSpace(lines[statusLine]) == "ready"
}

// quoteDirList quotes dir as one element of a PostgreSQL directory list
// (unix_socket_directories), so commas and spaces in it are taken literally.
func quoteDirList(dir string) string {
	return `"` + strings.ReplaceAll(dir, `"`, `""`) + `"`
}

// openLog opens the server log for appending, rotating it first if it has
// grown large, and returns where this start's output begins.
func (c *Cluster) openLog() (*os.File, int64, error) {
	path := c.lay.logFile
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("embeddedpg: open log: %w", err)
	}
	if err := c.acct.own(path); err != nil {
		f.Close()
		return nil, 0, err
	}
	offset, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("embeddedpg: open log: %w", err)
	}
	return f, offset, nil
}

// logTail returns, formatted for appending to an error, the last lines the
// server logged after offset, or "" if it logged nothing.
func logTail(path string, offset int64) string {
	const maxBytes, maxLines = 4096, 30
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	start := max(offset, fi.Size()-maxBytes)
	b := make([]byte, fi.Size()-start)
	n, _ := f.ReadAt(b, start)
	text := string(b[:n])
	if start > offset { // we began mid-line
		if _, rest, ok := strings.Cut(text, "\n"); ok {
			text = rest
		}
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	text = strings.Join(lines, "\n")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return "\n--- end of " + path + " ---\n" + text
}
