package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleyhq/parley/server/internal/embeddedpg"
	"github.com/parleyhq/parley/server/internal/store"
)

// urlFile, inside the data dir, tells other parley commands (token, migrate)
// where the running server's embedded PostgreSQL listens.
const urlFile = "database.url"

// database is an open store plus whatever must be stopped with it.
type database struct {
	*store.Store
	cluster *embeddedpg.Cluster
	dataDir string
}

// openDatabase connects to DATABASE_URL, or to the embedded cluster under the
// data dir: the one a running `parley serve` owns, or one started here. It
// then applies pending migrations.
func openDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*database, error) {
	d := &database{}
	url := cfg.DatabaseURL
	if url == "" {
		var err error
		url, err = d.embedded(ctx, cfg, log)
		if err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		d.close(ctx)
		return nil, err
	}
	d.Store = st
	applied, err := st.Migrate(ctx)
	if err != nil {
		d.close(ctx)
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	for _, m := range applied {
		log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	return d, nil
}

func (d *database) embedded(ctx context.Context, cfg Config, log *slog.Logger) (string, error) {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return "", err
	}
	if b, err := os.ReadFile(filepath.Join(dir, urlFile)); err == nil {
		url := strings.TrimSpace(string(b))
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := store.Open(pingCtx, url)
		cancel()
		if err == nil {
			st.Close()
			return url, nil // a running server owns the cluster
		}
	}
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cluster, err := embeddedpg.Start(startCtx, embeddedpg.Config{DataDir: dir, Logger: log})
	if err != nil {
		if errors.Is(err, embeddedpg.ErrNoBinaries) {
			return "", fmt.Errorf("%w\n(or set DATABASE_URL to an existing PostgreSQL server)", err)
		}
		return "", fmt.Errorf("start embedded PostgreSQL in %s: %w", dir, err)
	}
	if err := cluster.CreateDatabase(startCtx, "parley"); err != nil {
		_ = cluster.Stop(context.WithoutCancel(ctx))
		return "", err
	}
	d.cluster, d.dataDir = cluster, dir
	return cluster.URL("parley"), nil
}

// publishURL records the embedded cluster's URL for other commands.
func (d *database) publishURL() error {
	if d.cluster == nil {
		return nil
	}
	return os.WriteFile(filepath.Join(d.dataDir, urlFile), []byte(d.cluster.URL("parley")+"\n"), 0o600)
}

func (d *database) close(ctx context.Context) {
	if d.Store != nil {
		d.Store.Close()
	}
	if d.cluster != nil {
		_ = os.Remove(filepath.Join(d.dataDir, urlFile))
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = d.cluster.Stop(stopCtx)
	}
}
