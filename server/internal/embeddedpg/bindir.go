package embeddedpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoBinaries is returned (wrapped) by [Start] when no usable PostgreSQL
// server binaries are found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install Debian's postgresql package (apt-get install postgresql) or set PARLEY_PG_BINDIR, or set DATABASE_URL to use an existing server")

// envBinDir overrides binary discovery, like [Config.BinDir].
const envBinDir = "PARLEY_PG_BINDIR"

// debianRoot holds one <major>/bin directory per installed server version
// on Debian and Ubuntu, which keep them off PATH.
const debianRoot = "/usr/lib/postgresql"

// requiredPrograms are the programs a bin dir must hold: initdb creates the
// cluster, postgres runs it, psql creates databases.
var requiredPrograms = []string{"initdb", "postgres", "psql"}

// binaries is a usable PostgreSQL bin dir.
type binaries struct {
	dir   string
	major int // server major version, e.g. 15
}

func (b binaries) path(program string) string { return filepath.Join(b.dir, program) }

// findBinaries picks the bin dir: explicit (Config.BinDir), then
// $PARLEY_PG_BINDIR, which must be usable when given; otherwise the first
// usable of /usr/lib/postgresql/<wantMajor>/bin (so an existing cluster keeps
// the version that created it when Debian has several installed),
// `pg_config --bindir`, the newest /usr/lib/postgresql/*/bin, and the
// directory of initdb on PATH. wantMajor is 0 when there is no cluster yet.
func findBinaries(ctx context.Context, explicit string, wantMajor int) (binaries, error) {
	if explicit != "" {
		return checkedBinaries(ctx, explicit, "Config.BinDir")
	}
	if dir := os.Getenv(envBinDir); dir != "" {
		return checkedBinaries(ctx, dir, "$"+envBinDir)
	}

	var candidates []string
	if wantMajor > 0 {
		candidates = append(candidates, filepath.Join(debianRoot, strconv.Itoa(wantMajor), "bin"))
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		cmd := exec.CommandContext(ctx, pgConfig, "--bindir")
		cmd.WaitDelay = time.Second
		if out, err := cmd.Output(); err == nil {
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
	}
	candidates = append(candidates, debianBinDirs()...)
	if initdb, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(initdb))
	}

	var looked []string
	for _, dir := range candidates {
		if dir == "" || slices.Contains(looked, dir) {
			continue
		}
		looked = append(looked, dir)
		if missingPrograms(dir) == nil {
			return inspectBinaries(ctx, dir)
		}
	}
	where := "nowhere (no pg_config or initdb on PATH, no " + debianRoot + "/*/bin)"
	if len(looked) > 0 {
		where = strings.Join(looked, ", ")
	}
	return binaries{}, fmt.Errorf("embeddedpg: looked in %s: %w", where, ErrNoBinaries)
}

// checkedBinaries validates a bin dir the user named, so a typo is reported
// rather than silently replaced by discovery.
func checkedBinaries(ctx context.Context, dir, source string) (binaries, error) {
	if missing := missingPrograms(dir); missing != nil {
		return binaries{}, fmt.Errorf("embeddedpg: %s %s has no %s: %w", source, dir, strings.Join(missing, ", "), ErrNoBinaries)
	}
	return inspectBinaries(ctx, dir)
}

// missingPrograms lists the required programs dir lacks as executables.
func missingPrograms(dir string) []string {
	var missing []string
	for _, p := range requiredPrograms {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			missing = append(missing, p)
		}
	}
	return missing
}

// debianBinDirs returns /usr/lib/postgresql/<major>/bin directories, newest
// first.
func debianBinDirs() []string {
	entries, err := os.ReadDir(debianRoot)
	if err != nil {
		return nil
	}
	var majors []int
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			majors = append(majors, n)
		}
	}
	slices.Sort(majors)
	slices.Reverse(majors)
	dirs := make([]string, 0, len(majors))
	for _, m := range majors {
		dirs = append(dirs, filepath.Join(debianRoot, strconv.Itoa(m), "bin"))
	}
	return dirs
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// inspectBinaries asks the server for its major version, needed to refuse
// a cluster created by another major version with a clear message.
// `postgres --version` is answered before postgres's root check, so it is
// run as the current user.
func inspectBinaries(ctx context.Context, dir string) (binaries, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "postgres"), "--version")
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return binaries{}, fmt.Errorf("embeddedpg: %s/postgres --version: %w", dir, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return binaries{}, fmt.Errorf("embeddedpg: unrecognised output of %s/postgres --version: %q", dir, strings.TrimSpace(string(out)))
	}
	major, _ := strconv.Atoi(string(m[1]))
	return binaries{dir: dir, major: major}, nil
}

// Program returns the path of a PostgreSQL client or server program (say
// pgbench) in the bin dir the embedded cluster would use.
func Program(ctx context.Context, name string) (string, error) {
	bins, err := findBinaries(ctx, "", 0)
	if err != nil {
		return "", err
	}
	p := bins.path(name)
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("embeddedpg: %s has no %s", bins.dir, name)
	}
	return p, nil
}
