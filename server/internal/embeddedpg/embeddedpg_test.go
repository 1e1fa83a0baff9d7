package embeddedpg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testSettings trade durability for speed, as throwaway clusters should.
var testSettings = map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

// crashHelperEnv makes the test binary act as a Parley process that starts
// a cluster in the named data dir, writes a row, reports and waits to be
// SIGKILLed.
const crashHelperEnv = "EMBEDDEDPG_CRASH_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashHelperEnv); dir != "" {
		crashHelper(dir)
		return
	}
	code := m.Run()
	if template.dir != "" {
		_ = os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// template is a stopped cluster initialised once per test binary. Most tests
// start from a copy of it: initdb costs about half a second of CPU, a copy
// a fraction of that, and the tests that are about initdb still run it.
var template struct {
	once   sync.Once
	dir    string // its data dir, removed by TestMain
	pgdata string
	err    error
}

func templatePGDATA(t *testing.T) string {
	t.Helper()
	template.once.Do(func() {
		// Not t.TempDir: the template outlives the test that creates it.
		dir, err := os.MkdirTemp("", "embeddedpg-template-")
		if err == nil && os.Geteuid() == 0 {
			err = os.Chmod(dir, 0o711) // keep the cluster inside it
		}
		if err != nil {
			template.err = err
			return
		}
		template.dir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := Start(ctx, Config{DataDir: dir, Settings: testSettings})
		if err != nil {
			template.err = err
			return
		}
		template.pgdata = c.lay.pgdata
		template.err = c.Stop(ctx)
	})
	if template.err != nil {
		t.Fatalf("template cluster: %v", template.err)
	}
	return template.pgdata
}

// seeded creates data dir dir holding a copy of the template cluster, where
// Start would put the cluster (out of tree when root cannot hand dir to
// postgres), and returns dir.
func seeded(t *testing.T, dir string) string {
	t.Helper()
	src := templatePGDATA(t)
	acct, err := currentAccount()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := prepareLayout(resolved, acct, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		dst := filepath.Join(lay.pgdata, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			err = os.Mkdir(dst, info.Mode().Perm())
		} else {
			err = copyFile(path, dst, info.Mode().Perm())
		}
		if err != nil {
			return err
		}
		return acct.own(dst)
	})
	if err != nil {
		t.Fatalf("copy template cluster: %v", err)
	}
	return dir
}

func crashHelper(dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Start(ctx, Config{DataDir: dir, Settings: testSettings})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	conn, err := pgx.Connect(ctx, c.URL(DefaultDatabase))
	if err == nil {
		_, err = conn.Exec(ctx, "CREATE TABLE survivors (name text); INSERT INTO survivors VALUES ('before the crash')")
		conn.Close(ctx)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("ready %d\n", c.pm.proc.Pid)
	time.Sleep(time.Minute) // the test kills us long before
	os.Exit(1)
}

// copyFile copies within the kernel (copy_file_range), which matters here:
// PGDATA holds a 16 MiB WAL segment and several 7 MiB databases.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startTest starts a test cluster in dir and destroys it when the test ends.
func startTest(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := Start(testCtx(t), Config{DataDir: dir, Settings: testSettings, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := c.Destroy(ctx); err != nil {
			t.Errorf("Destroy: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, c *Cluster, database string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), c.URL(database))
	if err != nil {
		t.Fatalf("connect to %s: %v", c.URL(database), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(testCtx(t), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(testCtx(t), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// searchableTempDir returns a fresh directory that the postgres user can
// reach when we are root, so the cluster stays inside it (t.TempDir's
// parent is 0700).
func searchableTempDir(t *testing.T) string {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := t.TempDir()

	c := startTest(t, dir)
	if want := fmt.Sprintf("postgres://postgres@/parley?host=%s&port=%d&sslmode=disable", url.QueryEscape(c.sockDir), c.Port()); c.URL("parley") != want {
		t.Errorf("URL = %s, want %s", c.URL("parley"), want)
	}
	conn := connect(t, c, DefaultDatabase)
	var overSocket bool
	if err := conn.QueryRow(ctx, "SELECT inet_client_addr() IS NULL").Scan(&overSocket); err != nil || !overSocket {
		t.Errorf("URL connects over TCP, want the unix socket (socket: %v, %v)", overSocket, err)
	}
	tcp, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/parley?sslmode=disable", c.Port()))
	if err != nil {
		t.Fatalf("TCP on 127.0.0.1:%d: %v", c.Port(), err)
	}
	tcp.Close(ctx)
	exec1(t, conn, "CREATE TABLE notes (body text)")
	exec1(t, conn, "INSERT INTO notes VALUES ('hello')")
	conn.Close(ctx)

	pid := c.pm.proc.Pid
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if processRunning(pid) {
		t.Errorf("postgres (pid %d) still running after Stop", pid)
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	c2 := startTest(t, dir)
	if got := queryString(t, connect(t, c2, DefaultDatabase), "SELECT body FROM notes"); got != "hello" {
		t.Errorf("after restart, notes has %q, want hello", got)
	}
	for range 2 { // idempotent
		if err := c2.CreateDatabase(ctx, "other db"); err != nil {
			t.Fatalf("CreateDatabase: %v", err)
		}
	}
	if got := queryString(t, connect(t, c2, "other db"), "SELECT current_database()"); got != "other db" {
		t.Errorf("current_database() = %q", got)
	}
}

func TestDataDirsAreIndependent(t *testing.T) {
	t.Parallel()
	var clusters [2]*Cluster
	done := make(chan struct{})
	for i := range clusters { // start both at once, as parallel test binaries would
		go func() {
			defer func() { done <- struct{}{} }()
			c, err := Start(testCtx(t), Config{DataDir: t.TempDir(), Settings: testSettings})
			if err != nil {
				t.Errorf("Start: %v", err)
				return
			}
			clusters[i] = c
		}()
	}
	<-done
	<-done
	for _, c := range clusters {
		if c != nil {
			t.Cleanup(func() { _ = c.Destroy(context.Background()) })
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	a, b := clusters[0], clusters[1]
	if a.Port() == b.Port() {
		t.Fatalf("both clusters on port %d", a.Port())
	}
	exec1(t, connect(t, a, DefaultDatabase), "CREATE TABLE only_in_a (x int)")
	if got := queryString(t, connect(t, b, DefaultDatabase), "SELECT coalesce(to_regclass('only_in_a')::text, 'missing')"); got != "missing" {
		t.Errorf("table created in one cluster is visible in the other: %s", got)
	}
}

// TestRestartAfterOwnerKilled checks that another process cannot start a
// data dir in use, then SIGKILLs the owner and starts the cluster again, as
// `parley serve` would after a crash.
func TestRestartAfterOwnerKilled(t *testing.T) {
	t.Parallel()
	dir := seeded(t, t.TempDir())
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), crashHelperEnv+"="+dir)
	helper.Stderr = os.Stderr
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		s.Scan()
		lines <- s.Text()
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(20 * time.Second):
		line = "timed out"
	}
	oldPID, err := strconv.Atoi(strings.TrimPrefix(line, "ready "))
	if err != nil {
		_ = helper.Process.Kill()
		_ = helper.Wait()
		t.Fatalf("helper: %s", line)
	}
	// While the helper owns the data dir, another process cannot start it.
	_, err = Start(testCtx(t), Config{DataDir: dir, Settings: testSettings})
	if !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), fmt.Sprintf("held by pid %d", helper.Process.Pid)) {
		t.Errorf("Start while another process owns the data dir: got %v, want ErrDataDirInUse naming pid %d", err, helper.Process.Pid)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()

	c := startTest(t, dir)
	if got := queryString(t, connect(t, c, DefaultDatabase), "SELECT name FROM survivors"); got != "before the crash" {
		t.Errorf("survivors has %q", got)
	}
	if !waitExit(testCtx(t), oldPID) {
		t.Errorf("the killed owner's postgres (pid %d) is still running", oldPID)
	}
}

// TestStartStopsOrphanedServer covers a server that outlived its owner
// without the parent-death signal (a non-Linux system, or one started by an
// older Parley): the next Start must shut it down and take over.
func TestStartStopsOrphanedServer(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := seeded(t, t.TempDir())
	orphan, err := Start(ctx, Config{DataDir: dir, Settings: testSettings})
	if err != nil {
		t.Fatal(err)
	}
	exec1(t, connect(t, orphan, DefaultDatabase), "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
	// Drop the Cluster the way a dying process would: the kernel releases
	// its lock, the server keeps running.
	orphan.mu.Lock()
	orphan.lock.Close()
	orphan.lock = nil
	old := orphan.pm
	orphan.mu.Unlock()
	t.Cleanup(func() { old.kill() }) // in case the test fails before Start stops it

	c := startTest(t, dir)
	// Start saw the server exit; our reaper goroutine may still be
	// collecting it.
	select {
	case <-old.done:
	case <-time.After(5 * time.Second):
		t.Errorf("the orphaned server is still running after Start")
	}
	if got := queryString(t, connect(t, c, DefaultDatabase), "SELECT x::text FROM kept"); got != "42" {
		t.Errorf("kept has %s, want 42", got)
	}
}

// TestStartIgnoresPIDFileOfUnrelatedProcess covers a postmaster.pid whose
// PID now belongs to another process, which postgres alone refuses.
func TestStartIgnoresPIDFileOfUnrelatedProcess(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := seeded(t, t.TempDir())
	c := startTest(t, dir)
	pidFile := filepath.Join(c.lay.pgdata, "postmaster.pid")
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("%d\n%s\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001  1\nready   \n", os.Getpid(), c.lay.pgdata)
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	startTest(t, dir)
}

func TestDataDirInUse(t *testing.T) {
	t.Parallel()
	dir := seeded(t, t.TempDir())
	startTest(t, dir)
	_, err := Start(testCtx(t), Config{DataDir: dir, Settings: testSettings})
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("second Start on a running data dir: got %v, want ErrDataDirInUse", err)
	}
	if !strings.Contains(err.Error(), "data dir in use by another parley process") {
		t.Errorf("error does not explain itself: %v", err)
	}
}

func TestNoBinaries(t *testing.T) {
	// Not parallel: it sets an environment variable.
	empty := t.TempDir()
	dataDir := filepath.Join(t.TempDir(), "data")
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrNoBinaries) {
			t.Fatalf("%s: got %v, want ErrNoBinaries", what, err)
		}
		if !strings.Contains(err.Error(), "apt-get install postgresql") || !strings.Contains(err.Error(), empty) {
			t.Errorf("%s: error should name the directory and the fix: %v", what, err)
		}
	}
	_, err := Start(testCtx(t), Config{DataDir: dataDir, BinDir: empty})
	check("BinDir", err)
	t.Setenv(envBinDir, empty)
	_, err = Start(testCtx(t), Config{DataDir: dataDir})
	check(envBinDir, err)
	if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Start without binaries created the data dir (%v)", err)
	}
}

func TestStartFailureReportsLogAndCleansUp(t *testing.T) {
	t.Parallel()
	dir := seeded(t, t.TempDir())
	_, err := Start(testCtx(t), Config{DataDir: dir, Settings: map[string]string{"fsync": "off", "no_such_setting": "1"}})
	if err == nil {
		t.Fatal("Start with a bogus setting succeeded")
	}
	if !strings.Contains(err.Error(), `unrecognized configuration parameter "no_such_setting"`) {
		t.Errorf("error lacks the server log: %v", err)
	}
	startTest(t, dir) // the failed Start released the data dir
}

func TestStartHonoursContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, Config{DataDir: dir, Settings: testSettings})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start with a 50ms deadline: got %v, want DeadlineExceeded", err)
	}
	startTest(t, dir) // an interrupted initdb is redone
}

// TestRootPlacement checks where the cluster goes when we run as root.
func TestRootPlacement(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root moves clusters the postgres user cannot reach")
	}
	t.Parallel()
	acct, err := currentAccount()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		dir := seeded(t, t.TempDir()) // its parent is 0700
		c := startTest(t, dir)
		link := filepath.Join(dir, clusterName)
		target, err := os.Readlink(link)
		if err != nil {
			t.Fatalf("%s should be a symlink to the cluster: %v", link, err)
		}
		if !strings.HasPrefix(target, filepath.Join(acct.home, fallbackName)+"/") {
			t.Errorf("cluster in %s, want under the postgres user's home", target)
		}
		if err := c.Destroy(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{target, link} {
			if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s survived Destroy (%v)", p, err)
			}
		}
	})
	t.Run("abandoned", func(t *testing.T) {
		t.Parallel()
		dir := seeded(t, filepath.Join(t.TempDir(), "gone"))
		c := startTest(t, dir)
		if err := c.Stop(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(dir); err != nil { // as a test's TempDir cleanup would
			t.Fatal(err)
		}
		startTest(t, seeded(t, t.TempDir())) // places another cluster out of tree
		if _, err := os.Stat(c.lay.root); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("cluster %s of the deleted data dir %s was not collected (%v)", c.lay.root, dir, err)
		}
	})
	t.Run("reachable", func(t *testing.T) {
		t.Parallel()
		dir := seeded(t, searchableTempDir(t))
		c := startTest(t, dir)
		if c.lay.external {
			t.Fatalf("cluster moved to %s although %s is reachable", c.lay.root, dir)
		}
		if ok, err := acct.owns(c.lay.root); err != nil || !ok {
			t.Errorf("%s not owned by postgres (%v)", c.lay.root, err)
		}
	})
}

func TestLongDataDirUsesShortSocketDir(t *testing.T) {
	t.Parallel()
	dir := seeded(t, filepath.Join(searchableTempDir(t), strings.Repeat("long-directory-name/", 5)))
	c := startTest(t, dir)
	if !c.tmpSockDir {
		t.Fatalf("socket dir %s: expected a short one under /tmp", c.sockDir)
	}
	if err := c.Stop(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.sockDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket dir %s survived Stop (%v)", c.sockDir, err)
	}
}

func TestProcessRunning(t *testing.T) {
	t.Parallel()
	if !processRunning(os.Getpid()) {
		t.Error("processRunning(self) = false")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	if processRunning(cmd.Process.Pid) {
		t.Error("processRunning of a reaped child = true")
	}
}
