package embeddedpg

import "syscall"

// setParentDeathSignal asks the kernel to send the server SIGINT (fast
// shutdown) when Parley dies, even by SIGKILL, so no server outlives its
// owner. See spawn for why the forking thread is pinned.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGINT
}
