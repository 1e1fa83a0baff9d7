package app_test

import (
	"fmt"
	"os"
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
	root := repoRoot(t)
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	_, playwrightErr := os.Stat(filepath.Join(root, "node_modules", "playwright-core", "package.json"))
	_, chromiumErr := os.Stat(chromium)
	requireNode(t, fmt.Sprintf("the widget browser test needs node on PATH, node_modules/playwright-core (make setup installs it) and %s (.ci/system-packages.sh installs it)", chromium),
		playwrightErr, chromiumErr)
	if err := os.MkdirAll(filepath.Join(root, "test-artifacts"), 0o755); err != nil {
		t.Fatal(err)
	}

	boot := auth.NewAPISecret()
	s := startServer(t, "DATABASE_URL="+pgtest.URL(t), "PARLEY_BOOTSTRAP_TOKEN="+boot)
	waitServing(t, s)

	out := runNode(t, 3*time.Minute, []string{"PARLEY_URL=" + s.url, "PARLEY_TOKEN=" + boot, "CHROMIUM=" + chromium},
		filepath.Join("clients", "widget", "test", "demo.browser.mjs"))
	t.Logf("demo.browser.mjs (%s):\n%s", s.url, strings.TrimSpace(out))
}
