// Package embeddedpg runs a private PostgreSQL cluster for one Parley
// process, using the PostgreSQL server binaries installed on the machine
// (Debian's postgresql package; see [Config.BinDir] for discovery).
//
// # What it owns
//
// Everything lives under [Config.DataDir]:
//
//	<DataDir>/pg.lock        flock held while a Cluster is running
//	<DataDir>/pg/            cluster directory (or a symlink to it, see below)
//	<DataDir>/pg/data/       PGDATA, created by initdb on the first Start
//	<DataDir>/pg/run/        unix socket directory
//	<DataDir>/pg/postgres.log server log (moved to postgres.log.1 by a Start
//	                         that finds it over 8 MiB)
//
// The cluster is initialised with trust authentication for the superuser
// "postgres", UTF8 encoding and the C locale, and listens only on 127.0.0.1
// (on [Config.Port], or a free port picked at each Start) and on its unix
// socket, which [Cluster.URL] names because it is cheaper. Start creates the
// database "parley". Later Starts on the same DataDir reuse the cluster, so
// data persists; different DataDirs are independent clusters.
//
// The server process is a direct child of the Go process (no pg_ctl, no
// shell): Start launches postgres in its own session, so a terminal's Ctrl-C
// reaches only Parley, and waits until postmaster.pid reports "ready". On
// Linux the child also gets a parent-death signal (SIGINT, PostgreSQL's fast
// shutdown), so even a SIGKILLed Parley does not leave the server running.
//
// # Running as root
//
// initdb and postgres refuse to run as root. When the process is root,
// every PostgreSQL program runs as the "postgres" system user (which
// Debian's package creates) via [syscall.Credential], and the cluster
// directory is chowned to it. PostgreSQL then has to reach the cluster
// directory through every parent directory, which it often cannot: /root is
// 0700, and so is the directory t.TempDir creates under /tmp. So, when root:
//
//   - If every parent of DataDir is searchable by postgres, the cluster stays
//     in <DataDir>/pg and DataDir itself (which we own) gets o+x, which lets
//     postgres pass through without being able to list it.
//   - Otherwise the cluster goes to <postgres's home>/parley-embedded/<name>-<hash>
//     (on Debian /var/lib/postgresql/...), keyed by a hash of DataDir's
//     absolute path, and <DataDir>/pg becomes a symlink to it. The symlink
//     records the choice, so later Starts find the cluster even if
//     permissions change. A warning is logged because backing up or mounting
//     DataDir alone would then miss the database; [Cluster.Destroy] removes
//     both. To keep the data inside DataDir, make its parents searchable
//     (chmod o+x) or pick a data dir such as /var/lib/parley. Such a
//     cluster whose DataDir was under /tmp (or $TMPDIR) and has been deleted
//     (a test's t.TempDir without Destroy) is removed the next time a
//     cluster is placed there; no other cluster is ever removed implicitly.
//
// As a non-root user the programs run as that user and none of this applies.
//
// # Leftovers from a previous process
//
// The flock on pg.lock makes a second Start on a DataDir that a live Cluster
// (in this or another process) holds fail with [ErrDataDirInUse]; the
// kernel drops it when the holder dies. Having the lock, Start inspects a
// postmaster.pid left in PGDATA: a postgres still running on this PGDATA
// (left by a process that died without the parent-death signal reaching it)
// is shut down (fast) and the cluster restarted with this Start's port and
// settings; a pid file naming a process that is not that postgres (the PID
// was reused, typically after a reboot or in a container) is removed,
// because postgres would refuse to start over it; a pid file naming no
// process is left to postgres, which discards it itself after checking that
// no old backend still uses the shared memory. An initdb interrupted midway
// runs into a scratch directory that is discarded at the next Start.
//
// Throwaway clusters (tests) should pass Settings {"fsync": "off"}, which
// also skips initdb's fsyncs, and call [Cluster.Destroy] when done.
package embeddedpg
