// Package api is Parley's transport edge: Connect handlers for the three
// services (thin: convert proto <-> domain and call the owning package), the
// interceptors every call passes through (recover, observe, auth, validate),
// the one table that maps domain error kinds to Connect codes, health,
// reflection and metrics.
package api
