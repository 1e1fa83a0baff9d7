// Package migrations holds Parley's PostgreSQL schema as numbered SQL files
// (NNNN_name.up.sql, with .down.sql beside each). The store package applies
// the .up.sql files in order; sqlc reads them to type the queries.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
