package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/server/internal/auth"
	"github.com/parleyhq/parley/server/internal/workflow/workflowtest/snippettest"
)

// The Python SDK (clients/python) as a customer gets it: a wheel built from
// the checkout, installed with its dependencies from PyPI into a fresh
// virtualenv, and used from a directory outside the checkout with nothing on
// PYTHONPATH, against the real binary. clients/python/tests/scenario.py is
// the Go SDK's scenario (go_sdk_test.go), run with ParleyClient and with
// AsyncParleyClient over every way the SDK can reach the server: the Connect
// protocol over HTTP/1.1 and over cleartext HTTP/2, gRPC, gRPC-Web. The
// SDK's unit tests (clients/python/tests/test_*.py) run first, from the
// source.

// pythonWheelFiles are files the wheel must contain: the hand-written
// package, its type marker, and every generated module and stub.
var pythonWheelFiles = []string{
	"parley/__init__.py",
	"parley/_client.py",
	"parley/_errors.py",
	"parley/_subscribe.py",
	"parley/_variables.py",
	"parley/_version.py",
	"parley/py.typed",
	"parley/agent/v1/agent_pb2.py",
	"parley/agent/v1/agent_pb2.pyi",
	"parley/agent/v1/agent_connect.py",
	"parley/session/v1/session_pb2.py",
	"parley/session/v1/session_pb2.pyi",
	"parley/session/v1/session_connect.py",
	"parley/workflow/v1/graph_pb2.py",
	"parley/workflow/v1/graph_pb2.pyi",
	"parley/workflow/v1/workflow_pb2.py",
	"parley/workflow/v1/workflow_pb2.pyi",
	"parley/workflow/v1/workflow_connect.py",
	"buf/validate/validate_pb2.py",
	"buf/validate/validate_pb2.pyi",
}

// pySDKTransports are the PARLEY_TRANSPORT values of scenario.py.
var pySDKTransports = []string{"connect-h1", "connect-h2c", "grpc", "grpc-web"}

func TestPythonSDKScenario(t *testing.T) {
	snippettest.NeedTool(t, "python3")
	root := repoRoot(t)

	// The unit tests (clients/python/tests/test_*.py), from the source tree
	// with the pinned tools of make setup.
	t.Run("unit", func(t *testing.T) {
		devPython := filepath.Join(root, ".venv", "bin", "python")
		if _, err := os.Stat(devPython); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s: %v (make setup creates it)", devPython, err)
			}
			t.Skipf("%s: %v (make setup creates it)", devPython, err)
		}
		out := runPython(t, filepath.Join(root, "clients", "python"), []string{"PYTHONDONTWRITEBYTECODE=1"}, 3*time.Minute,
			devPython, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		t.Logf("pytest: %s", lines[len(lines)-1])
	})

	work := t.TempDir()
	began := time.Now()

	// Python 3.11 or later: connectrpc requires it.
	if out := runPython(t, work, nil, time.Minute, "python3", "-c", "import sys; print(sys.version_info >= (3, 11))"); strings.TrimSpace(out) != "True" {
		t.Fatalf("python3 is older than 3.11, which the SDK's connectrpc runtime requires")
	}

	// Build from a copy of the sources, so that the build leaves nothing
	// (build/, *.egg-info) in the checkout.
	src := filepath.Join(work, "src")
	copyPythonSources(t, filepath.Join(root, "clients", "python"), src)
	venv := filepath.Join(work, "venv")
	runPython(t, work, nil, 2*time.Minute, "python3", "-m", "venv", venv)
	py := filepath.Join(venv, "bin", "python")
	dist := filepath.Join(work, "dist")
	runPython(t, work, nil, 3*time.Minute, py, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, src)
	wheels, _ := filepath.Glob(filepath.Join(dist, "*.whl"))
	if len(wheels) != 1 || !strings.HasPrefix(filepath.Base(wheels[0]), "parley_sdk-") || !strings.HasSuffix(wheels[0], "-py3-none-any.whl") {
		t.Fatalf("pip wheel built %v, want one parley_sdk-*-py3-none-any.whl", wheels)
	}
	checkWheel(t, wheels[0])
	runPython(t, work, nil, 3*time.Minute, py, "-m", "pip", "install", "--quiet", wheels[0])

	// The installed package imports from the virtualenv, not the checkout:
	// from a directory of its own, in isolated mode (no PYTHONPATH, no
	// script directory or cwd on sys.path).
	cwd := filepath.Join(work, "cwd")
	if err := os.Mkdir(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	out := runPython(t, cwd, nil, time.Minute, py, "-I", "-c", `
import parley, buf.validate.validate_pb2
from parley.session.v1 import session_pb2, session_connect
from parley.workflow.v1 import workflow_connect, graph_pb2
from parley.agent.v1 import agent_connect
c = parley.ParleyClient("http://127.0.0.1:9", "t")
c.close()
print(parley.__file__)
print(session_connect.__file__)
print(buf.validate.validate_pb2.__file__)
`)
	for _, file := range strings.Fields(out) {
		if !strings.HasPrefix(file, venv+string(filepath.Separator)) || !strings.Contains(file, "site-packages") {
			t.Fatalf("imported %s, want a module of the virtualenv's site-packages (%s)", file, venv)
		}
	}
	t.Logf("wheel %s built and installed in %v", filepath.Base(wheels[0]), time.Since(began).Round(time.Millisecond))

	target := startSDKTarget(t, "python-sdk-reader")

	// The scenario script, copied next to nothing but itself.
	script, err := os.ReadFile(filepath.Join(root, "clients", "python", "tests", "scenario.py"))
	if err != nil {
		t.Fatal(err)
	}
	snippettest.WriteFile(t, cwd, "scenario.py", string(script))
	for _, transport := range pySDKTransports {
		for _, form := range []string{"sync", "async"} {
			t.Run(transport+"/"+form, func(t *testing.T) {
				out := runPython(t, cwd, []string{
					"PARLEY_URL=" + target.url,
					"PARLEY_TOKEN=" + target.token,
					"PARLEY_READER_TOKEN=" + target.reader,
					"PARLEY_UNKNOWN_TOKEN=" + auth.NewAPISecret(),
					"PARLEY_TRANSPORT=" + transport,
				}, 3*time.Minute, py, "-I", "scenario.py", form)
				if !strings.HasPrefix(out, form+" "+transport+": ok: ") || !strings.Contains(out, "from "+venv+string(filepath.Separator)) {
					t.Fatalf("scenario %s over %s printed %q", form, transport, out)
				}
				t.Log(strings.TrimSpace(out))
			})
		}
	}
}

// runPython runs bin with args in dir, with env added to the environment
// and PYTHONPATH, PYTHONHOME and VIRTUAL_ENV removed from it, and returns
// its standard output. A failure, or not finishing within timeout, fails the
// test with everything the command printed.
func runPython(t *testing.T, dir string, env []string, timeout time.Duration, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PYTHONIOENCODING=utf-8")
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", bin, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// copyPythonSources copies what a build of the package reads (pyproject,
// README, src/) from dir to dst, leaving out caches and build leftovers.
func copyPythonSources(t *testing.T, dir, dst string) {
	t.Helper()
	for _, name := range []string{"pyproject.toml", "README.md"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		snippettest.WriteFile(t, dst, name, string(b))
	}
	err := filepath.WalkDir(filepath.Join(dir, "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" || strings.HasSuffix(d.Name(), ".egg-info") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(d.Name(), ".pyc") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", dir, err)
	}
}

// checkWheel checks the wheel's file list and declared dependencies.
func checkWheel(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	var metadata string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.HasSuffix(f.Name, ".dist-info/METADATA") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, err = b.ReadFrom(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			metadata = b.String()
		}
	}
	for _, want := range pythonWheelFiles {
		if !slices.Contains(names, want) {
			t.Errorf("the wheel lacks %s; it has:\n%s", want, strings.Join(names, "\n"))
		}
	}
	for _, n := range names {
		if strings.Contains(n, "__pycache__") || strings.HasSuffix(n, ".pyc") || strings.HasPrefix(n, "tests/") {
			t.Errorf("the wheel contains %s", n)
		}
	}
	for _, dep := range []string{"Requires-Dist: connectrpc", "Requires-Dist: protobuf", "Requires-Dist: pyqwest", "Requires-Python: >=3.11"} {
		if !strings.Contains(metadata, dep) {
			t.Errorf("the wheel's METADATA lacks %q:\n%s", dep, metadata)
		}
	}
}
