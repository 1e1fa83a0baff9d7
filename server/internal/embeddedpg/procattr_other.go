//go:build !linux

package embeddedpg

import "syscall"

// setParentDeathSignal is a no-op where the kernel has no parent-death
// signal: a server left by a dead owner is found by the next Start, which
// stops it where /proc identifies it and otherwise fails with PostgreSQL's
// lock file error (see clearStalePostmaster).
func setParentDeathSignal(*syscall.SysProcAttr) {}
