package app_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
)

// The demo page and the widget it embeds, in a real Chromium driven by
// playwright-core (clients/widget/test/demo.browser.mjs): the sample
// workflows answer $parley commands, unread messages are counted while the
// chat is closed, and a reload restores the same session and conversation.
// The script saves a screenshot to test-artifacts/widget-demo.png.
func TestWidgetDemoInChromium(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, nodeErr := exec.LookPath("node")
	_, playwrightErr := os.Stat(filepath.Join(root, "node_modules", "playwright-core", "package.json"))
	_, chromiumErr := os.Stat(chromium)
	if err := errors.Join(nodeErr, playwrightErr, chromiumErr); err != nil {
		msg := fmt.Sprintf("the widget browser test needs node on PATH, node_modules/playwright-core (make setup installs it) and %s (.ci/system-packages.sh installs it): %v", chromium, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err := os.MkdirAll(filepath.Join(root, "test-artifacts"), 0o755); err != nil {
		t.Fatal(err)
	}

	boot := auth.NewAPISecret()
	s := startServer(t, "DATABASE_URL="+pgtest.URL(t), "PARLEY_BOOTSTRAP_TOKEN="+boot)
	waitServing(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, node, filepath.Join("clients", "widget", "test", "demo.browser.mjs"))
	run.Dir = root
	run.Env = append(os.Environ(), "PARLEY_URL="+s.url, "PARLEY_TOKEN="+boot, "CHROMIUM="+chromium)
	run.WaitDelay = 10 * time.Second
	out, err := run.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("demo.browser.mjs did not finish within 3 minutes:\n%s", out)
	}
	if err != nil {
		t.Fatalf("node clients/widget/test/demo.browser.mjs: %v\n%s", err, out)
	}
	t.Logf("demo.browser.mjs (%s):\n%s", s.url, strings.TrimSpace(string(out)))
}
