package app_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/gen/parley/workflow/v1/workflowv1connect"
	"github.com/parleyhq/parley/server/internal/app"
	"github.com/parleyhq/parley/server/internal/pgtest"
)

// These tests run the real parley binary, as a user would.

var binary string

func TestMain(m *testing.M) {
	if os.Getenv(app.HeapFloorProbe) != "" {
		os.Exit(m.Run()) // a probe of gcfloor_test.go: no server
	}
	dir, err := os.MkdirTemp("", "parley-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "parley")
	build := exec.Command("go", "build", "-race", "-o", binary, "github.com/parleyhq/parley/server/cmd/parley")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("build parley: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `parley serve` process.
type server struct {
	cmd   *exec.Cmd
	url   string
	token string // printed dev token (first start only)
	logs  *syncBuffer
	done  chan error
}

var (
	listeningLine = regexp.MustCompile(`listening on (http://\S+)`)
	tokenLine     = regexp.MustCompile(`dev API token \(all scopes, shown once\): (\S+)`)
)

// startServer runs `parley serve` with the given environment additions and
// waits for it to listen.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	return startBinary(t, binary, env...)
}

// startBinary is startServer with another build of parley.
func startBinary(t *testing.T, bin string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := tokenLine.FindStringSubmatch(line); m != nil {
				s.token = m[1]
			}
			if m := listeningLine.FindStringSubmatch(line); m != nil && s.url == "" {
				s.url = m[1]
				close(found)
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case <-found:
	case err := <-s.done:
		t.Fatalf("parley serve exited before listening: %v", err)
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("parley serve did not start listening within 2 minutes")
	}
	t.Cleanup(func() {
		s.stop(t)
		if t.Failed() {
			t.Logf("parley serve logs:\n%s", s.logs.String())
		}
	})
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("parley serve exited with %v after SIGTERM", err)
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Error("parley serve did not exit within 60 s of SIGTERM")
	}
}

// syncBuffer collects a process's stderr for failure reports.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func h2cClient() *http.Client {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: p}}
}

func workflows(s *server, token string) workflowv1connect.WorkflowServiceClient {
	return workflowv1connect.NewWorkflowServiceClient(h2cClient(), s.url, connect.WithGRPC(),
		connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("Authorization", "Bearer "+token)
				return next(ctx, req)
			}
		})))
}

func waitServing(t *testing.T, s *server) {
	t.Helper()
	res, err := grpchealth.NewClient(h2cClient(), s.url, connect.WithGRPC()).Check(context.Background(), &grpchealth.CheckRequest{})
	if err != nil || res.Status != grpchealth.StatusServing {
		t.Fatalf("health: %v %v", res, err)
	}
}

func TestServeOnEmbeddedDatabaseKeepsDataAcrossRestarts(t *testing.T) {
	dataA := filepath.Join(t.TempDir(), "a")
	dataB := filepath.Join(t.TempDir(), "b")
	ctx := context.Background()

	a := startServer(t, "PARLEY_DATA_DIR="+dataA, "DATABASE_URL=")
	waitServing(t, a)
	if a.token == "" {
		t.Fatal("first start printed no dev token")
	}
	created, err := workflows(a, a.token).CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "kept"}))
	if err != nil {
		t.Fatal(err)
	}
	id := created.Msg.GetWorkflow().GetId()

	// A second, independent data dir at the same time: its own workspace,
	// its own token, none of A's data.
	b := startServer(t, "PARLEY_DATA_DIR="+dataB, "DATABASE_URL=")
	waitServing(t, b)
	if b.token == "" || b.token == a.token {
		t.Fatalf("second data dir token %q (first %q)", b.token, a.token)
	}
	_, err = workflows(b, b.token).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: id}))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("data dir B sees A's workflow: %v", err)
	}
	_, err = workflows(b, a.token).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: id}))
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("A's token works on B: %v", err)
	}

	a.stop(t)
	again := startServer(t, "PARLEY_DATA_DIR="+dataA, "DATABASE_URL=")
	waitServing(t, again)
	if again.token != "" {
		t.Error("restart printed a new dev token: the workspace was recreated")
	}
	got, err := workflows(again, a.token).GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: id}))
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.Msg.GetWorkflow().GetName() != "kept" {
		t.Fatalf("after restart: %v", got.Msg.GetWorkflow())
	}
}

func TestBootstrapTokenAndTokenCommands(t *testing.T) {
	dbURL := pgtest.URL(t)
	const boot = "ci-bootstrap-token-0123456789"
	s := startServer(t, "DATABASE_URL="+dbURL, "PARLEY_BOOTSTRAP_TOKEN="+boot)
	ctx := context.Background()
	if _, err := workflows(s, boot).CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "via bootstrap"})); err != nil {
		t.Fatalf("bootstrap token: %v", err)
	}

	run := func(args ...string) (string, error) {
		cmd := exec.Command(binary, append([]string{"token"}, args...)...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		out, err := cmd.Output()
		return string(out), err
	}
	secret, err := run("create", "--name", "reader", "--scopes", "workflows:read")
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	secret = strings.TrimSpace(secret)
	_, err = workflows(s, secret).CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{Name: "nope"}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("read-only token writing: %v", err)
	}
	list, err := run("list")
	if err != nil || !strings.Contains(list, "reader") || !strings.Contains(list, secret[:10]) || strings.Contains(list, secret) {
		t.Fatalf("token list (err %v):\n%s", err, list)
	}
	if out, err := run("revoke", secret[:10]); err != nil {
		t.Fatalf("token revoke: %v %s", err, out)
	}
	_, err = workflows(s, secret).ListWorkflows(ctx, connect.NewRequest(&workflowv1.ListWorkflowsRequest{}))
	if connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("revoked token: %v", err)
	}
	if _, err := run("create", "--name", "bad", "--scopes", "workflows:fly"); err == nil {
		t.Fatal("token create accepted an unknown scope")
	}
}

func TestInvalidConfigurationIsExplained(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--addr", "nonsense", "--log-level", "loud", "--smtp-url", "ftp://mail.example.com",
		"--llm-base-url", "127.0.0.1:11434", "--gc-heap-floor-mib", "-1")
	cmd.Env = append(os.Environ(), "PARLEY_HEARTBEAT=soon", "PARLEY_GC_HEAP_FLOOR_MIB=lots")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("serve accepted an invalid configuration")
	}
	for _, want := range []string{"--addr", "--log-level", "--smtp-from: required", "--gc-heap-floor-mib: must not be negative",
		`PARLEY_HEARTBEAT "soon": must be a duration`, `PARLEY_GC_HEAP_FLOOR_MIB "lots": must be a whole number`, "scheme must be smtp or smtps",
		`--llm-base-url/--llm-model: LLM base URL "127.0.0.1:11434": must be an http:// or https:// URL`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %s:\n%s", want, out)
		}
	}
}
