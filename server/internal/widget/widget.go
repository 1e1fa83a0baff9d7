// Package widget serves the browser chat widget (/widget.js, built from
// clients/widget by `make generate`) and the demo page (/demo) that embeds
// it with the seeds' examples, and creates the demo's sample workflows.
package widget

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"

	"encoding/hex"

	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/store"
)

//go:embed static/widget.js
var script []byte

//go:embed static/demo.html
var demoHTML string

// ScriptHandler serves the widget script. Pages load it with a script tag
// from any origin; it is revalidated by ETag.
func ScriptHandler() http.Handler {
	sum := sha256.Sum256(script)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	modified := time.Now().UTC()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("ETag", etag)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.ServeContent(w, r, "widget.js", modified, bytes.NewReader(script))
	})
}

// demoData is what demo.html sees.
type demoData struct {
	WidgetURL, PublicKey                 string
	WelcomeWorkflowID, SupportWorkflowID string
	// Missing lists sample workflows that are gone (deleted or archived).
	Missing []string
}

// DemoHandler serves the demo page for the workspace with slug, pointing
// the widget at publicURL.
func DemoHandler(st *store.Store, slug, publicURL string, log *slog.Logger) http.Handler {
	tmpl := template.Must(template.New("demo.html").Parse(demoHTML))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := demo(r.Context(), st, slug, publicURL)
		if err != nil {
			log.ErrorContext(r.Context(), "demo page", "error", err)
			http.Error(w, "the demo page is unavailable: "+err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			log.ErrorContext(r.Context(), "demo page", "error", err)
			http.Error(w, "the demo page is unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(buf.Bytes())
	})
}

func demo(ctx context.Context, st *store.Store, slug, publicURL string) (demoData, error) {
	ws, err := st.WorkspaceBySlug(ctx, slug)
	if err != nil {
		return demoData{}, err
	}
	d := demoData{WidgetURL: publicURL + "/widget.js", PublicKey: ws.PublicKey}
	ids, missing, err := sampleIDs(ctx, st, ws.ID)
	if err != nil {
		return demoData{}, err
	}
	d.WelcomeWorkflowID, d.SupportWorkflowID, d.Missing = ids[SampleWelcome], ids[SampleSupport], missing
	return d, nil
}

// samplePrefix starts every sample workflow's name.
const samplePrefix = "Demo: "

// sampleIDs finds the active sample workflows by name, in one query.
func sampleIDs(ctx context.Context, st *store.Store, workspaceID uuid.UUID) (map[string]string, []string, error) {
	ws, err := st.Workflows(ctx, workspaceID, domain.WorkflowFilter{
		NameContains: samplePrefix, Statuses: []domain.WorkflowStatus{domain.WorkflowActive}, Limit: 100,
	})
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]string{}
	var missing []string
	for _, s := range samples {
		i := slices.IndexFunc(ws, func(w domain.Workflow) bool { return w.Name == s.name })
		if i < 0 {
			missing = append(missing, s.name)
			continue
		}
		ids[s.name] = domain.PrefixWorkflow.Format(ws[i].ID)
	}
	return ids, missing, nil
}
