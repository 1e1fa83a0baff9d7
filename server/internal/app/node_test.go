package app_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests that run a Node.js script from the checkout against the started
// binary: the TypeScript client's and the widget's in Chromium.

// repoRoot returns the checkout's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// requireNode checks that node is on PATH and that errs, the caller's own
// checks, are all nil. Otherwise it skips the test, or under CI=true fails
// it, with "what: the errors".
func requireNode(t *testing.T, what string, errs ...error) {
	t.Helper()
	_, nodeErr := exec.LookPath("node")
	if err := errors.Join(append([]error{nodeErr}, errs...)...); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v", what, err)
		}
		t.Skipf("%s: %v", what, err)
	}
}

// runNode runs node with args in the checkout's root, env added to the
// environment, and returns what it printed. Not finishing within timeout or
// failing fails the test with that output.
func runNode(t *testing.T, timeout time.Duration, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	run := exec.CommandContext(ctx, "node", args...)
	run.Dir = repoRoot(t)
	run.Env = append(os.Environ(), env...)
	run.WaitDelay = 10 * time.Second
	out, err := run.CombinedOutput()
	name := "node " + strings.Join(args, " ")
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %v:\n%s", name, timeout, out)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}
