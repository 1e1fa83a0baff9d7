package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleyhq/parley/clients/go/parley"
)

// env is the server under test and the ways to reach it.
type env struct {
	opts  Options
	url   string
	token string
	// api is the generated client over HTTP/2 (cleartext).
	api *parley.Client
	// rest is a keep-alive HTTP/1.1 client for the JSON endpoints.
	rest *http.Client
	db   *pgxpool.Pool
	// server is the process started here; nil with Options.URL.
	server *serverProcess
	// workspace is the token's workspace id.
	workspace string
}

func newEnv(ctx context.Context, opts Options) (*env, error) {
	e := &env{opts: opts, url: opts.URL, token: opts.Token}
	if opts.URL == "" {
		s, err := startServer(ctx, opts)
		if err != nil {
			return nil, err
		}
		e.server, e.url, e.token = s, s.url, s.token
		e.opts.DatabaseURL = s.databaseURL
	} else if opts.Token == "" || opts.DatabaseURL == "" {
		return nil, errors.New("--url needs --token and --database-url too: the scenarios check their results in the database")
	}
	var err error
	if e.db, err = pgxpool.New(ctx, e.opts.DatabaseURL); err != nil {
		e.close()
		return nil, fmt.Errorf("database: %w", err)
	}
	if e.api, err = parley.NewClient(e.url, e.token, parley.WithHTTPClient(h2cClient())); err != nil {
		e.close()
		return nil, err
	}
	e.rest = &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	if err := e.db.QueryRow(ctx, `SELECT workspace_id::text FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at LIMIT 1`).Scan(&e.workspace); err != nil {
		e.close()
		return nil, fmt.Errorf("find the token's workspace: %w", err)
	}
	return e, nil
}

func (e *env) close() {
	if e.db != nil {
		e.db.Close()
	}
	if e.server != nil {
		e.server.stop()
	}
}

func (e *env) progress(format string, args ...any) {
	fmt.Fprintf(e.opts.Progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// h2cClient is an HTTP/2 cleartext client; each one opens its own
// connections, so callers spread many streams over several.
func h2cClient() *http.Client {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: p, MaxIdleConnsPerHost: 64,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
}

// serverProcess is a `parley serve` started for the benchmark on a fresh
// embedded PostgreSQL in a temporary data directory.
type serverProcess struct {
	cmd                     *exec.Cmd
	dir                     string
	url, token, databaseURL string
	done                    chan error
	logs                    *tailBuffer
}

var listeningLine = regexp.MustCompile(`listening on (http://\S+)`)

func startServer(ctx context.Context, opts Options) (*serverProcess, error) {
	bin := opts.Server
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, err
	}
	token := "bench_" + randomHex(16)
	s := &serverProcess{dir: dir, token: token, done: make(chan error, 1), logs: &tailBuffer{}}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn")
	s.cmd.Env = append(append(withoutDatabaseURL(os.Environ()), opts.ServerEnv...), "PARLEY_BOOTSTRAP_TOKEN="+token)
	s.cmd.Stderr = s.logs
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	go func() { s.done <- s.cmd.Wait() }()
	select {
	case s.url = <-found:
	case err := <-s.done:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("parley serve exited before listening (%v):\n%s", err, s.logs)
	case <-time.After(3 * time.Minute):
		s.stop()
		return nil, errors.New("parley serve did not start listening within 3 minutes")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "database.url"))
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("the server's database URL: %w", err)
	}
	s.databaseURL = strings.TrimSpace(string(b))
	return s, nil
}

// withoutDatabaseURL drops DATABASE_URL so the server uses its embedded
// PostgreSQL.
func withoutDatabaseURL(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DATABASE_URL=") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *serverProcess) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	os.RemoveAll(s.dir)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last 64 KiB written to it (the server's log).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 64<<10; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model"`
	MemoryMiB  int64  `json:"memory_mib"`
	OS         string `json:"os"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	PostgreSQL string `json:"postgresql"`
}

func (e *env) machine(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb, ok := kibField("/proc/meminfo", "MemTotal"); ok {
		m.MemoryMiB = kb / 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	_ = e.db.QueryRow(ctx, "SHOW server_version").Scan(&m.PostgreSQL)
	return m
}

func (e *env) serverInfo() map[string]any {
	info := map[string]any{"url": e.url, "started_here": e.server != nil}
	if e.server != nil {
		info["pid"] = e.server.cmd.Process.Pid
	}
	return info
}

// procField is the first "key: value" line's value of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// kibField reads a "Key:   123 kB" line of a /proc file.
func kibField(path, key string) (int64, bool) {
	var n int64
	v := procField(path, key)
	if _, err := fmt.Sscanf(v, "%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

// awaitCollections waits until the server has completed n garbage
// collections, or for limit, and returns how many it completed. It reads
// the Go collector's count from the server's /metrics.
func (e *env) awaitCollections(ctx context.Context, n int, limit time.Duration) (int, error) {
	first, err := e.collections(ctx)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(limit)
	for {
		now, err := e.collections(ctx)
		if err != nil {
			return 0, err
		}
		if done := int(now - first); done >= n || time.Now().After(deadline) {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// collections is how many garbage collections the server has completed.
func (e *env) collections(ctx context.Context) (int64, error) {
	const metric = "go_gc_duration_seconds_count "
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := e.rest.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the server's metrics: %w", err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), metric); ok {
			count, err := strconv.ParseFloat(v, 64) // the text format may write 1e+06
			if err != nil {
				return 0, fmt.Errorf("/metrics: %s%s: %w", metric, v, err)
			}
			return int64(count), nil
		}
	}
	return 0, fmt.Errorf("/metrics (%s) has no %s", res.Status, strings.TrimSpace(metric))
}

// usage is the server process's resident memory and CPU time so far.
type usage struct {
	at     time.Time
	rssMiB float64
	cpu    time.Duration
}

// serverUsage reads /proc of the server started here; ok is false for a
// server given by URL.
func (e *env) serverUsage() (usage, bool) {
	if e.server == nil {
		return usage{}, false
	}
	pid := e.server.cmd.Process.Pid
	u := usage{at: time.Now()}
	kb, ok := kibField(fmt.Sprintf("/proc/%d/status", pid), "VmRSS")
	if !ok {
		return usage{}, false
	}
	u.rssMiB = float64(kb) / 1024
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, false
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th of them, in clock ticks (100 a second).
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ut, st int64
	fmt.Sscan(fields[11], &ut)
	fmt.Sscan(fields[12], &st)
	u.cpu = time.Duration(ut+st) * 10 * time.Millisecond
	return u, true
}

// cpuShare is the CPU the server used between two readings, as a fraction
// of one core.
func cpuShare(a, b usage) float64 {
	return float64(b.cpu-a.cpu) / float64(b.at.Sub(a.at))
}
