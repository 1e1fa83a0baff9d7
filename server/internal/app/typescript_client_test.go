package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/pgtest"
)

// The generated TypeScript client, as a browser widget uses it: connect-web's
// fetch transport against the real binary, run under Node
// (clients/typescript/test/widget-stream.test.ts).
func TestTypeScriptWidgetClientStreams(t *testing.T) {
	root := repoRoot(t)
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	_, tscErr := os.Stat(tsc)
	requireNode(t, fmt.Sprintf("the TypeScript client test needs node on PATH and %s (make setup installs it)", tsc), tscErr)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	compile := exec.CommandContext(ctx, tsc, "-p", filepath.Join("clients", "typescript", "tsconfig.test.json"))
	compile.Dir = root
	if out, err := compile.CombinedOutput(); err != nil {
		t.Fatalf("tsc -p clients/typescript/tsconfig.test.json: %v\n%s", err, out)
	}

	dbURL := pgtest.URL(t)
	boot := auth.NewAPISecret()
	s := startServer(t, "DATABASE_URL="+dbURL, "PARLEY_BOOTSTRAP_TOKEN="+boot)
	waitServing(t, s)
	// startServer keeps only the URL and dev token from stdout; the public
	// key is in the database.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var publicKey string
	if err := conn.QueryRow(ctx, "SELECT public_key FROM workspaces WHERE slug = $1", auth.DefaultWorkspaceSlug).Scan(&publicKey); err != nil {
		t.Fatalf("default workspace's public key: %v", err)
	}

	out := runNode(t, 2*time.Minute, []string{"PARLEY_URL=" + s.url, "PARLEY_PUBLIC_KEY=" + publicKey, "PARLEY_TOKEN=" + boot},
		"--test", "--test-reporter=tap", filepath.Join("clients", "typescript", "dist-test", "test")+string(filepath.Separator))
	var summary []string
	for _, line := range strings.Split(out, "\n") {
		if tapSummary.MatchString(line) {
			summary = append(summary, strings.TrimSpace(line))
		}
	}
	t.Logf("node --test (%s):\n%s", s.url, strings.Join(summary, "\n"))
}

// tapSummary matches the test results and totals of node's TAP output.
var tapSummary = regexp.MustCompile(`^(\s*(not )?ok \d+ - |# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) )`)
