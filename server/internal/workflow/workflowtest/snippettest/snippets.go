// Package snippettest runs code snippets with their language's own tool, for
// the tests of the generated API snippets (the workflow package's and the
// app's against the real binary).
//
// It is a package apart from workflowtest because the workflow package's
// internal tests use it, and workflowtest imports workflow.
package snippettest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// toolPackages names the Debian package of each tool that may be missing;
// the others are always installed where the tests run.
var toolPackages = map[string]string{"php": "php-cli", "ruby": "ruby", "curl": "curl"}

// NeedTool skips the test when an optional tool is missing and fails it
// when a required one is. Under CI=true every tool is required:
// .ci/system-packages.sh installs them there.
func NeedTool(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if pkg, ok := toolPackages[bin]; ok {
			missing(t, bin+" is not installed (Debian: apt-get install "+pkg+")")
		}
		t.Fatalf("%s is required for this test: %v", bin, err)
	}
}

// needPHPCurl is NeedTool for PHP's curl extension, which the PHP snippet
// uses and which is a Debian package of its own.
func needPHPCurl(t testing.TB) {
	t.Helper()
	NeedTool(t, "php")
	if exec.Command("php", "-r", `exit(extension_loaded("curl") ? 0 : 1);`).Run() != nil {
		missing(t, "php's curl extension is not installed (Debian: apt-get install php-curl)")
	}
}

// missing skips the test, or under CI=true fails it, saying what is missing.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: CI=true, where .ci/system-packages.sh installs it", what)
	}
	t.Skipf("%s: skipping this check", what)
}

// WriteFile writes content to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// GoEnv builds Go snippets as a standalone module, offline, with this Go.
var GoEnv = []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "CGO_ENABLED=0"}

// GoModule writes code as the main package of a new module "snippet" and
// returns its directory; build or run it there with GoEnv.
func GoModule(t testing.TB, code string) string {
	t.Helper()
	dir := t.TempDir()
	WriteFile(t, dir, "go.mod", "module snippet\n")
	WriteFile(t, dir, "main.go", code)
	return dir
}

// RunSnippet runs a REST snippet with its language's tool (bash, node as an
// ES module, python3, php, ruby, or `go run` in a standalone module,
// offline) and returns its standard output. See RunTool for the rest.
func RunSnippet(t testing.TB, lang workflowv1.SnippetLanguage, code string) string {
	t.Helper()
	switch lang {
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_CURL:
		NeedTool(t, "curl")
		return RunFile(t, "bash", "snippet.sh", code)
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_NODE:
		return RunFile(t, "node", "snippet.mjs", code)
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PYTHON:
		return RunFile(t, "python3", "snippet.py", code)
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_PHP:
		needPHPCurl(t)
		return RunFile(t, "php", "snippet.php", code)
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_RUBY:
		return RunFile(t, "ruby", "snippet.rb", code)
	case workflowv1.SnippetLanguage_SNIPPET_LANGUAGE_GO:
		NeedTool(t, "go")
		return run(t, GoModule(t, code), GoEnv, code, "go", "run", ".")
	}
	t.Fatalf("no runner for language %v", lang)
	return ""
}

// RunFile writes code to a file called name in a new directory and runs
// `bin flags... file` there (after NeedTool), returning its standard
// output. See RunTool for the rest.
func RunFile(t testing.TB, bin, name, code string, flags ...string) string {
	t.Helper()
	NeedTool(t, bin)
	dir := t.TempDir()
	return run(t, dir, nil, code, bin, append(slices.Clip(flags), WriteFile(t, dir, name, code))...)
}

// RunTool runs bin in dir with a UTF-8 locale, no proxy, env added to the
// environment and a 2-minute timeout, and returns its standard output. A
// failure fails the test with everything the tool printed.
func RunTool(t testing.TB, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	return run(t, dir, env, "", bin, args...)
}

// run is RunTool; the failure message also shows program unless it is "".
func run(t testing.TB, dir string, env []string, program, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PYTHONIOENCODING=utf-8",
		"HTTP_PROXY=", "http_proxy=", "HTTPS_PROXY=", "https_proxy=", "ALL_PROXY=", "all_proxy=",
		"NO_PROXY=*", "no_proxy=*")
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	if err := cmd.Run(); err != nil {
		var shown string
		if program != "" {
			shown = "\nprogram:\n" + program
		}
		t.Fatalf("%s %s: %v%s\nstdout:\n%s\nstderr:\n%s", bin, strings.Join(args, " "), err, shown, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s wrote to stderr:\n%s", bin, stderr.String())
	}
	t.Logf("%s ran in %v", bin, time.Since(began).Round(time.Millisecond))
	return stdout.String()
}
