// Package app wires Parley together: configuration, the database (embedded
// or given), the services and the HTTP server, behind the subcommands of the
// parley binary. main only calls Run.
package app
