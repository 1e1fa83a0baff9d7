package store

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// Admin runs server-level statements (databases, not rows) on a
// maintenance connection. Tests use it to clone template databases.
type Admin struct {
	conn *pgx.Conn
}

// OpenAdmin connects to serverURL (any database of the server).
func OpenAdmin(ctx context.Context, serverURL string) (*Admin, error) {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactURL(serverURL), err)
	}
	return &Admin{conn: conn}, nil
}

// Close closes the connection.
func (a *Admin) Close(ctx context.Context) error { return a.conn.Close(ctx) }

// DatabaseExists reports whether the server has the database.
func (a *Admin) DatabaseExists(ctx context.Context, name string) (bool, error) {
	var ok bool
	err := a.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok)
	return ok, err
}

// CreateDatabase creates a database, as a copy of template when it is not
// empty.
func (a *Admin) CreateDatabase(ctx context.Context, name, template string) error {
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	_, err := a.conn.Exec(ctx, stmt)
	return err
}

// RenameDatabase renames a database nobody is connected to.
func (a *Admin) RenameDatabase(ctx context.Context, from, to string) error {
	_, err := a.conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{from}.Sanitize()+" RENAME TO "+pgx.Identifier{to}.Sanitize())
	return err
}

// DropDatabase drops a database if it exists, closing its connections.
func (a *Admin) DropDatabase(ctx context.Context, name string) error {
	_, err := a.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// Lock takes a session-level advisory lock, held until Unlock or Close.
func (a *Admin) Lock(ctx context.Context, key int64) error {
	_, err := a.conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key)
	return err
}

// Unlock releases a lock taken by Lock.
func (a *Admin) Unlock(ctx context.Context, key int64) error {
	_, err := a.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key)
	return err
}

// DatabaseURL returns serverURL with its database replaced by name.
func DatabaseURL(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// redactURL hides the password of a database URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
