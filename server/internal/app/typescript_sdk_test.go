package app_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/server/internal/auth"
)

// The TypeScript SDK (clients/typescript) as a user gets it: built and
// packed with npm, the tarball's contents checked, installed into a fresh
// project, a consumer type-checked with tsc --strict against the installed
// declarations, and the Go SDK's scenario run from that project against the
// real binary over every transport the SDK offers: connect-node (HTTP/2,
// HTTP/1.1, gRPC) and connect-web under Node's fetch (Connect, gRPC-Web).
// The SDK's own unit tests (test/sdk.test.ts) run first, from the source.

// tsSDKTransports are the PARLEY_TRANSPORT values of e2e/scenario.mjs.
var tsSDKTransports = []string{"node-h2", "node-h1", "node-grpc", "web", "web-grpc"}

func TestTypeScriptSDKScenario(t *testing.T) {
	root := repoRoot(t)
	pkgDir := filepath.Join(root, "clients", "typescript")
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	_, tscErr := os.Stat(tsc)
	_, npmErr := exec.LookPath("npm")
	requireNode(t, fmt.Sprintf("the TypeScript SDK test needs node and npm on PATH and %s (make setup installs it)", tsc), tscErr, npmErr)

	t.Run("unit", func(t *testing.T) {
		tsRun(t, root, 2*time.Minute, tsc, "-p", filepath.Join("clients", "typescript", "tsconfig.test.json"))
		out := runNode(t, time.Minute, nil, "--test", "--test-reporter=tap", filepath.Join(pkgDir, "dist-test", "test", "sdk.test.js"))
		tsLogTAP(t, out)
	})

	tarball := tsPackSDK(t, pkgDir)
	manifest := tsCheckTarball(t, tarball)
	project := tsInstallSDK(t, tarball, filepath.Join(pkgDir, "e2e"))
	installed := filepath.Join(project, "node_modules", "@parley", "client")
	if fi, err := os.Lstat(installed); err != nil || !fi.IsDir() {
		t.Fatalf("npm install did not put a directory at %s: %v %v", installed, fi, err)
	}
	if got := tsReadPackageJSON(t, filepath.Join(installed, "package.json")); got.Version != manifest.Version {
		t.Fatalf("installed version %s, packed %s", got.Version, manifest.Version)
	}

	t.Run("consumer type-checks with tsc --strict", func(t *testing.T) {
		tsRun(t, project, 2*time.Minute, tsc, "--strict", "-p", filepath.Join(project, "tsconfig.json"))
	})

	target := startSDKTarget(t, "ts-sdk-reader")

	scenario := filepath.Join(project, "scenario.mjs")
	for _, transport := range tsSDKTransports {
		t.Run(transport, func(t *testing.T) {
			out := runNode(t, 2*time.Minute, []string{
				"PARLEY_URL=" + target.url,
				"PARLEY_TOKEN=" + target.token,
				"PARLEY_READER_TOKEN=" + target.reader,
				"PARLEY_UNKNOWN_TOKEN=" + auth.NewAPISecret(),
				"PARLEY_TRANSPORT=" + transport,
			}, scenario)
			t.Logf("node %s (%s):\n%s", filepath.Base(scenario), transport, out)
			// The scenario imported the installed copy, not the source tree.
			m := tsResolvedLine.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("the scenario did not report where it imported the SDK from")
			}
			if want := "file://" + filepath.ToSlash(installed) + "/dist/"; !strings.HasPrefix(m[1], want) {
				t.Fatalf("the scenario imported %s, want a file under %s", m[1], want)
			}
			if !strings.Contains(out, "ok "+transport) {
				t.Fatalf("the scenario did not finish")
			}
		})
	}
}

var tsResolvedLine = regexp.MustCompile(`(?m)^resolved \S+ to (\S+)$`)

// tsPackSDK builds clients/typescript (npm pack runs its prepare script,
// which runs tsc) and returns the tarball's path.
func tsPackSDK(t *testing.T, pkgDir string) string {
	t.Helper()
	dest := t.TempDir()
	tsRun(t, pkgDir, 3*time.Minute, "npm", "pack", "--pack-destination", dest)
	tarballs, err := filepath.Glob(filepath.Join(dest, "*.tgz"))
	if err != nil || len(tarballs) != 1 {
		t.Fatalf("npm pack made %v (%v), want one .tgz", tarballs, err)
	}
	return tarballs[0]
}

// tsPackageJSON is what the test reads of a package.json.
type tsPackageJSON struct {
	Name         string                     `json:"name"`
	Version      string                     `json:"version"`
	Type         string                     `json:"type"`
	Exports      map[string]json.RawMessage `json:"exports"`
	Dependencies map[string]string          `json:"dependencies"`
}

func tsReadPackageJSON(t *testing.T, path string) tsPackageJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p tsPackageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// tsCheckTarball asserts what the package ships: package.json with an ESM
// exports map whose entry points are in the tarball, the README, compiled
// JavaScript with a declaration file for each, and nothing else (no
// sources, tests, configuration or build leftovers).
func tsCheckTarball(t *testing.T, tarball string) tsPackageJSON {
	t.Helper()
	files := tsTarFiles(t, tarball)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	t.Logf("%s: %d files:\n%s", filepath.Base(tarball), len(names), strings.Join(names, "\n"))

	for _, name := range names {
		switch {
		case name == "package.json", name == "README.md":
		case strings.HasPrefix(name, "dist/") && strings.HasSuffix(name, ".d.ts"):
		case strings.HasPrefix(name, "dist/") && strings.HasSuffix(name, ".js"):
			if _, ok := files[strings.TrimSuffix(name, ".js")+".d.ts"]; !ok {
				t.Errorf("%s has no declaration file", name)
			}
		default:
			t.Errorf("the package ships %s: only package.json, README.md and dist/**/*.{js,d.ts} belong in it", name)
		}
	}
	for _, name := range []string{"package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/node.js", "dist/node.d.ts", "dist/web.js", "dist/web.d.ts"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the package lacks %s", name)
		}
	}
	if !strings.Contains(string(files["README.md"]), "npm install") {
		t.Errorf("README.md has no install instructions")
	}

	var p tsPackageJSON
	if err := json.Unmarshal(files["package.json"], &p); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	if p.Name != "@parley/client" || p.Type != "module" {
		t.Errorf("package.json: name %q, type %q; want @parley/client, module", p.Name, p.Type)
	}
	for _, entry := range []string{".", "./node", "./web"} {
		var conditions map[string]string
		if err := json.Unmarshal(p.Exports[entry], &conditions); err != nil {
			t.Errorf("exports[%q] = %s: %v", entry, p.Exports[entry], err)
			continue
		}
		for _, cond := range []string{"types", "import"} {
			target := strings.TrimPrefix(conditions[cond], "./")
			if _, ok := files[target]; !ok {
				t.Errorf("exports[%q].%s = %q, which the tarball lacks", entry, cond, conditions[cond])
			}
		}
	}
	for _, dep := range []string{"@connectrpc/connect", "@connectrpc/connect-node", "@connectrpc/connect-web"} {
		if got := p.Dependencies[dep]; got != "2.1.2" {
			t.Errorf("dependency %s %q, want exactly 2.1.2 (2.2 needs Node 22)", dep, got)
		}
	}
	// The User-Agent version is the package's.
	if want := fmt.Sprintf("sdkVersion = %q", p.Version); !strings.Contains(string(files["dist/version.js"]), want) {
		t.Errorf("dist/version.js does not say %s:\n%s", want, files["dist/version.js"])
	}
	return p
}

// tsTarFiles returns the files of a package tarball by their path inside the
// package ("package/" removed).
func tsTarFiles(t *testing.T, tarball string) map[string][]byte {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string][]byte)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", tarball, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name, ok := strings.CutPrefix(h.Name, "package/")
		if !ok {
			t.Errorf("%s: entry %s outside package/", tarball, h.Name)
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
}

// tsInstallSDK makes a new npm project in a temporary directory, installs
// the tarball into it (dependencies from the local npm cache when it has
// them), copies the e2e files beside it, and returns the directory.
func tsInstallSDK(t *testing.T, tarball, e2eDir string) string {
	t.Helper()
	project := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(project, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", []byte(`{"name": "parley-sdk-consumer", "private": true, "type": "module"}`+"\n"))
	for _, name := range []string{"scenario.mjs", "consumer.ts", "tsconfig.json"} {
		b, err := os.ReadFile(filepath.Join(e2eDir, name))
		if err != nil {
			t.Fatal(err)
		}
		write(name, b)
	}
	tsRun(t, project, 3*time.Minute, "npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball)
	return project
}

// tsRun runs a command in dir and fails the test with its output when it
// fails or does not finish within timeout.
func tsRun(t *testing.T, dir string, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	line := name + " " + strings.Join(args, " ")
	if ctx.Err() != nil {
		t.Fatalf("%s (in %s) did not finish within %v:\n%s", line, dir, timeout, out)
	}
	if err != nil {
		t.Fatalf("%s (in %s): %v\n%s", line, dir, err, out)
	}
	return string(out)
}

// tsLogTAP logs the results and totals of node --test's TAP output.
func tsLogTAP(t *testing.T, out string) {
	t.Helper()
	var summary []string
	for _, line := range strings.Split(out, "\n") {
		if tapSummary.MatchString(line) {
			summary = append(summary, strings.TrimSpace(line))
		}
	}
	t.Logf("node --test:\n%s", strings.Join(summary, "\n"))
}
