package embeddedpg

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// postgresOSUser is the system user PostgreSQL runs as when we are root.
const postgresOSUser = "postgres"

// account is the OS user the PostgreSQL programs run as.
type account struct {
	name string
	uid  int
	gids []int // primary group first
	home string
	// cred is non-nil when that user is not us (we are root): commands are
	// then started with it and files they need are chowned to the user.
	cred *syscall.Credential
}

// currentAccount returns who runs PostgreSQL: the postgres system user when
// we are root (initdb and postgres refuse root), ourselves otherwise.
func currentAccount() (*account, error) {
	if os.Geteuid() != 0 {
		gids, _ := os.Getgroups()
		return &account{uid: os.Geteuid(), gids: append([]int{os.Getegid()}, gids...)}, nil
	}
	u, err := user.Lookup(postgresOSUser)
	if err != nil {
		return nil, fmt.Errorf("embeddedpg: running as root, PostgreSQL must run as the %q system user, which does not exist (%v): install Debian's postgresql package, which creates it, or run parley as a non-root user", postgresOSUser, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("embeddedpg: user %q has non-numeric uid %q or gid %q", postgresOSUser, u.Uid, u.Gid)
	}
	a := &account{name: u.Username, uid: uid, gids: []int{gid}, home: u.HomeDir}
	groups := []uint32{uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				a.gids = append(a.gids, g)
				groups = append(groups, uint32(g))
			}
		}
	}
	a.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}
	return a, nil
}

// switching reports whether programs run as another user than us.
func (a *account) switching() bool { return a.cred != nil }

// own hands path to the account when it is not us; a no-op otherwise.
func (a *account) own(path string) error {
	if !a.switching() {
		return nil
	}
	if err := os.Lchown(path, a.uid, a.gids[0]); err != nil {
		return fmt.Errorf("embeddedpg: give %s to user %s: %w", path, a.name, err)
	}
	return nil
}

// ownTree hands every file under root to the account. It repairs a cluster
// directory that root created or copied without preserving ownership.
func (a *account) ownTree(root string) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return a.own(p)
	})
}

// owns reports whether the account owns path.
func (a *account) owns(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == a.uid, nil
}

// canSearch reports whether the account may traverse the directory fi
// describes, judged from its permission bits the way the kernel does (ACLs
// are not consulted: we never set any, and a denial still surfaces as an
// initdb or postgres error).
func (a *account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.gids, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// firstUnsearchable returns the first directory on the way from / to dir
// (inclusive) that the account cannot traverse, or "" if it can reach dir.
// dir must be absolute and free of symlinks.
func (a *account) firstUnsearchable(dir string) (string, error) {
	var chain []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		chain = append(chain, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for _, d := range slices.Backward(chain) {
		fi, err := os.Stat(d)
		if err != nil {
			return "", err
		}
		if !a.canSearch(fi) {
			return d, nil
		}
	}
	return "", nil
}

// command builds a command that runs as the account, in dir, with a clean
// environment (see childEnv).
func (a *account) command(cmd *exec.Cmd, dir string) *exec.Cmd {
	cmd.Dir = dir
	cmd.Env = childEnv(a.home)
	if a.switching() {
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Credential = a.cred
	}
	return cmd
}

// childEnv is our environment for PostgreSQL programs, minus what would
// change their behaviour behind our back: PG* variables (PGDATA, PGPORT,
// PGHOST, PGOPTIONS... would redirect or reconfigure them) and locale
// variables (we want C-locale, English messages in logs and errors). home,
// when set, replaces HOME so the postgres user does not look into ours.
func childEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") ||
			name == "LANG" || name == "LANGUAGE" || (home != "" && name == "HOME") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "LC_ALL=C", "LANG=C")
	if home != "" {
		env = append(env, "HOME="+home)
	}
	return env
}
