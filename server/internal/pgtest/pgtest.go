// Package pgtest gives each test its own real PostgreSQL database, cloned
// from a template that has every migration applied. The server comes from
// TEST_DATABASE_URL, or, when that is unset, from an embedded cluster the
// package starts once per test binary.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/server/internal/embeddedpg"
	"github.com/parleyhq/parley/server/internal/store"
)

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error

	templateOnce sync.Once
	templateName string
	templateErr  error
)

// server returns the URL of the PostgreSQL server tests use.
func server() (string, error) {
	serverOnce.Do(func() {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			serverURL = u
			return
		}
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("parley-pgtest-%d", os.Getpid()))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// The cluster is left to die with the machine's temp dir: a test
		// binary has no hook that runs after the last test of every package.
		c, err := embeddedpg.Start(ctx, embeddedpg.Config{
			DataDir:  dir,
			Settings: map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
		})
		if err != nil {
			serverErr = fmt.Errorf("TEST_DATABASE_URL is unset and the embedded PostgreSQL did not start: %w", err)
			return
		}
		serverURL = c.URL("postgres")
	})
	return serverURL, serverErr
}

// migrationsHash names the template after the migrations it holds, so a
// changed migration gets a new template.
func migrationsHash() (string, int64, error) {
	ms, err := store.Migrations()
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:6]), int64(binary.BigEndian.Uint64(sum[:8]) >> 1), nil
}

// template returns the name of the migrated template database, creating it
// once per server (test binaries of several packages share it).
func template(ctx context.Context, srv string) (string, error) {
	templateOnce.Do(func() {
		hash, lockKey, err := migrationsHash()
		if err != nil {
			templateErr = err
			return
		}
		name := "parley_template_" + hash
		admin, err := store.OpenAdmin(ctx, srv)
		if err != nil {
			templateErr = err
			return
		}
		defer admin.Close(ctx)
		if err := admin.Lock(ctx, lockKey); err != nil {
			templateErr = err
			return
		}
		defer admin.Unlock(ctx, lockKey)
		if ok, err := admin.DatabaseExists(ctx, name); err != nil || ok {
			templateName, templateErr = name, err
			return
		}
		building := name + "_building"
		if err := admin.DropDatabase(ctx, building); err != nil {
			templateErr = err
			return
		}
		if err := admin.CreateDatabase(ctx, building, ""); err != nil {
			templateErr = err
			return
		}
		u, err := store.DatabaseURL(srv, building)
		if err != nil {
			templateErr = err
			return
		}
		st, err := store.Open(ctx, u)
		if err != nil {
			templateErr = err
			return
		}
		_, err = st.Migrate(ctx)
		st.Close()
		if err != nil {
			templateErr = fmt.Errorf("migrate template: %w", err)
			return
		}
		templateName, templateErr = name, admin.RenameDatabase(ctx, building, name)
	})
	return templateName, templateErr
}

// URL returns the URL of a new, migrated, empty database that is dropped
// when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := server()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template(ctx, srv)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	admin, err := store.OpenAdmin(ctx, srv)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close(ctx)
	name := "parley_test_" + randomHex(8)
	// Cloning fails while another session is connected to the template,
	// which a parallel clone can be for an instant: retry briefly.
	for attempt := 0; ; attempt++ {
		err = admin.CreateDatabase(ctx, name, tmpl)
		if err == nil || attempt == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pgtest: clone template: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := store.OpenAdmin(ctx, srv)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if err := admin.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	u, err := store.DatabaseURL(srv, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Store returns a Store on a new database (see URL), closed when the test
// ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
