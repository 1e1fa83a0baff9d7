package widget

import (
	"context"
	"embed"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// Names of the sample workflows the demo page uses.
const (
	SampleWelcome = samplePrefix + "welcome"
	SampleSupport = samplePrefix + "support chat"
	SampleAgent   = samplePrefix + "start or pause the AI agent"
)

type sample struct {
	name, description, file string
}

// samples are created, published, on a workspace's first start.
var samples = []sample{
	{SampleWelcome, "Run by the demo page when the chat opens: a greeting and a button picker.", "welcome.json"},
	{SampleSupport, "Run by the demo's Start Support Chat button with the variables order_id, plan and priority_customer.", "support.json"},
	{SampleAgent, "Starts or pauses the AI agent when the custom data key enum is set to start_chatbot or pause_chatbot (the demo's start and pause buttons).", "agent.json"},
}

//go:embed samples/*.json
var sampleFiles embed.FS

// sampleGraph is the graph of the sample workflow in file.
func sampleGraph(file string) (*workflowv1.Graph, error) {
	raw, err := sampleFiles.ReadFile("samples/" + file)
	if err != nil {
		return nil, err
	}
	g := &workflowv1.Graph{}
	if err := protojson.Unmarshal(raw, g); err != nil {
		return nil, fmt.Errorf("sample %s: %w", file, err)
	}
	return g, nil
}

// CreateSamples creates and publishes the demo's sample workflows in a
// workspace; the server calls it when it creates the workspace.
func CreateSamples(ctx context.Context, wf *workflow.Service, workspaceID uuid.UUID) error {
	for _, s := range samples {
		g, err := sampleGraph(s.file)
		if err != nil {
			return err
		}
		w, err := wf.Create(ctx, workspaceID, s.name, s.description, g, nil)
		if err != nil {
			return fmt.Errorf("sample workflow %q: %w", s.name, err)
		}
		if _, _, err := wf.Publish(ctx, workspaceID, w.ID, "sample"); err != nil {
			return fmt.Errorf("publish sample workflow %q: %w", s.name, err)
		}
	}
	return nil
}
