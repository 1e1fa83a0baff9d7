package app

import (
	"context"
	"fmt"
	"io"
)

// runMigrate applies pending migrations (openDatabase does) and reports.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer db.close(ctx)
	fmt.Fprintln(stdout, "parley: database schema is up to date")
	return nil
}
