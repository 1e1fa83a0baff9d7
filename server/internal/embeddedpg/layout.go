package embeddedpg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Names inside DataDir and the cluster directory.
const (
	lockName    = "pg.lock"
	clusterName = "pg"
	pgdataName  = "data"
	initdbName  = "data.initdb" // initdb's scratch target, renamed to data when complete
	socketName  = "run"
	logName     = "postgres.log"

	// fallbackName is the directory under the postgres user's home that
	// holds clusters whose DataDir that user cannot reach.
	fallbackName = "parley-embedded"
	// ownerName, in an out-of-tree cluster directory, records its DataDir.
	ownerName = "parley-data-dir"
)

// layout is where a cluster's files are.
type layout struct {
	dataDir  string // DataDir, absolute and symlink-free
	link     string // <dataDir>/pg: the cluster directory, or a symlink to it
	root     string // cluster directory, symlink-free
	external bool   // root is outside dataDir (link is a symlink)
	pgdata   string
	logFile  string
}

func (l layout) lockFile() string { return filepath.Join(l.dataDir, lockName) }

// existingMajor returns the major version of the cluster under dataDir, or 0
// if there is none (yet). It is read before locking, only to steer binary
// discovery.
func existingMajor(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, clusterName, pgdataName, "PG_VERSION"))
	if err != nil {
		return 0
	}
	var major int
	_, _ = fmt.Sscanf(string(b), "%d", &major)
	return major
}

// prepareLayout finds or creates the cluster directory for dataDir (absolute,
// symlink-free, existing) and makes sure the account can use it. It must run
// with the data dir lock held: it may create the symlink that records where
// the cluster lives. See the package comment for the root-user rules.
func prepareLayout(dataDir string, acct *account, logger *slog.Logger) (layout, error) {
	l := layout{dataDir: dataDir, link: filepath.Join(dataDir, clusterName)}

	fi, err := os.Lstat(l.link)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(l.link)
		if err != nil {
			return l, fmt.Errorf("embeddedpg: %w", err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dataDir, target)
		}
		if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
			logger.Warn("embedded PostgreSQL cluster directory is missing; creating an empty cluster", "dir", target, "link", l.link)
			// One level up too: the parley-embedded directory may be gone.
			if err := mkdirOwned(filepath.Dir(target), acct); err != nil {
				return l, err
			}
			if err := mkdirOwned(target, acct); err != nil {
				return l, err
			}
		}
		if l.root, err = filepath.EvalSymlinks(target); err != nil {
			return l, fmt.Errorf("embeddedpg: %w", err)
		}
		l.external = true
	case err == nil && fi.IsDir():
		l.root = l.link
	case err == nil:
		return l, fmt.Errorf("embeddedpg: %s exists and is not a directory", l.link)
	case errors.Is(err, fs.ErrNotExist):
		if l.root, l.external, err = newClusterDir(dataDir, l.link, acct, logger); err != nil {
			return l, err
		}
	default:
		return l, fmt.Errorf("embeddedpg: %w", err)
	}

	if acct.switching() {
		if err := checkReachable(l, acct); err != nil {
			return l, err
		}
		// A cluster directory that root created or copied must be handed
		// over, or postgres refuses its data directory.
		if ok, err := acct.owns(l.root); err != nil {
			return l, fmt.Errorf("embeddedpg: %w", err)
		} else if !ok {
			logger.Warn("embedded PostgreSQL cluster directory is not owned by the postgres user; fixing ownership", "dir", l.root)
			if err := acct.ownTree(l.root); err != nil {
				return l, err
			}
		}
	}

	l.pgdata = filepath.Join(l.root, pgdataName)
	l.logFile = filepath.Join(l.root, logName)
	return l, nil
}

// newClusterDir creates the cluster directory for a data dir that has none:
// <dataDir>/pg, unless we are root and postgres cannot reach dataDir, in
// which case it goes under postgres's home and <dataDir>/pg links to it.
func newClusterDir(dataDir, link string, acct *account, logger *slog.Logger) (root string, external bool, err error) {
	if acct.switching() {
		blocked, err := acct.firstUnsearchable(filepath.Dir(dataDir))
		if err != nil {
			return "", false, fmt.Errorf("embeddedpg: %w", err)
		}
		if blocked != "" {
			root, err := fallbackDir(dataDir, blocked, acct, logger)
			if err != nil {
				return "", false, err
			}
			if err := os.Symlink(root, link); err != nil {
				return "", false, fmt.Errorf("embeddedpg: record cluster location: %w", err)
			}
			logger.Warn("data dir is not reachable by the postgres user; the embedded PostgreSQL cluster lives outside it",
				"data_dir", dataDir, "unreachable", blocked, "cluster_dir", root, "link", link,
				"hint", "make "+blocked+" searchable (chmod o+x) before the first start to keep the cluster inside the data dir")
			return root, true, nil
		}
	}
	if err := mkdirOwned(link, acct); err != nil {
		return "", false, err
	}
	return link, false, nil
}

// fallbackDir creates the out-of-tree cluster directory for dataDir:
// <home>/parley-embedded/<base>-<hash of dataDir>. blocked only improves the
// error message.
func fallbackDir(dataDir, blocked string, acct *account, logger *slog.Logger) (string, error) {
	fail := func(why string) error {
		return fmt.Errorf("embeddedpg: PostgreSQL runs as user %s, which cannot reach data dir %s because %s is not searchable by it, and the fallback location under its home %q is unusable (%s); make %s searchable (chmod o+x %s) or choose a data dir it can reach, e.g. under /var/lib",
			acct.name, dataDir, blocked, acct.home, why, blocked, blocked)
	}
	if acct.home == "" || !filepath.IsAbs(acct.home) {
		return "", fail("no home directory")
	}
	home, err := filepath.EvalSymlinks(acct.home)
	if err != nil {
		return "", fail(err.Error())
	}
	if b, err := acct.firstUnsearchable(home); err != nil {
		return "", fail(err.Error())
	} else if b != "" {
		return "", fail(b + " is not searchable")
	}
	base := filepath.Join(home, fallbackName)
	if err := mkdirOwned(base, acct); err != nil {
		return "", fail(err.Error())
	}
	collectAbandoned(base, logger)
	sum := sha256.Sum256([]byte(dataDir))
	root := filepath.Join(base, sanitizeName(filepath.Base(dataDir))+"-"+hex.EncodeToString(sum[:8]))
	if err := mkdirOwned(root, acct); err != nil {
		return "", fail(err.Error())
	}
	if err := os.WriteFile(filepath.Join(root, ownerName), []byte(dataDir+"\n"), 0o644); err != nil {
		return "", fail(err.Error())
	}
	return root, nil
}

// collectAbandoned removes out-of-tree clusters whose DataDir was a
// temporary directory that no longer exists: tests that ran as root with
// t.TempDir() and did not Destroy their cluster. Nothing can reach such a
// cluster any more, yet each holds tens of megabytes. Clusters of data dirs
// outside the temp dir are never touched (their DataDir may just be
// unmounted), nor is one whose server is still running.
func collectAbandoned(base string, logger *slog.Logger) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		root := filepath.Join(base, e.Name())
		b, err := os.ReadFile(filepath.Join(root, ownerName))
		if err != nil {
			continue
		}
		owner := strings.TrimSpace(string(b))
		if !filepath.IsAbs(owner) || !underTempDir(owner) {
			continue
		}
		// The owner is checked, not its pg link: a Start creating this
		// cluster has made DataDir before the link.
		if _, err := os.Lstat(owner); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		pgdata := filepath.Join(root, pgdataName)
		if pid, ok := readPID(pgdata); ok && classifyPID(pid, pgdata) == pidOurs {
			continue
		}
		if err := os.RemoveAll(root); err == nil {
			logger.Info("removed embedded PostgreSQL cluster of a deleted temporary data dir", "dir", root, "data_dir", owner)
		}
	}
}

// underTempDir reports whether path is inside /tmp or $TMPDIR.
func underTempDir(path string) bool {
	for _, tmp := range []string{"/tmp", os.TempDir()} {
		if rel, err := filepath.Rel(tmp, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// checkReachable verifies that the account (not us) can reach the cluster
// directory, making DataDir itself searchable when the cluster is inside it:
// DataDir is ours to change, its parents are not.
func checkReachable(l layout, acct *account) error {
	if !l.external {
		fi, err := os.Stat(l.dataDir)
		if err != nil {
			return fmt.Errorf("embeddedpg: %w", err)
		}
		if !acct.canSearch(fi) {
			// o+x lets postgres pass through to pg/ without listing DataDir.
			if err := os.Chmod(l.dataDir, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("embeddedpg: let user %s traverse %s: %w", acct.name, l.dataDir, err)
			}
		}
	}
	blocked, err := acct.firstUnsearchable(filepath.Dir(l.root))
	if err != nil {
		return fmt.Errorf("embeddedpg: %w", err)
	}
	if blocked != "" {
		return fmt.Errorf("embeddedpg: PostgreSQL runs as user %s, which cannot reach the cluster in %s because %s is not searchable by it: make it searchable (chmod o+x %s) or move the data dir",
			acct.name, l.root, blocked, blocked)
	}
	return nil
}

// mkdirOwned creates dir (0700) if missing and hands it to the account.
func mkdirOwned(dir string, acct *account) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("embeddedpg: %w", err)
	}
	return acct.own(dir)
}

// sanitizeName keeps a path element readable and safe in a directory name.
func sanitizeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if len(s) > 32 {
		s = s[:32]
	}
	if s == "" {
		s = "data"
	}
	return s
}
