package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// welcomeGraph is a small valid graph: programmatic trigger -> message -> end.
func welcomeGraph(text string) *workflowv1.Graph {
	return &workflowv1.Graph{
		Nodes: []*workflowv1.Node{
			{Id: "start", Config: &workflowv1.Node_Programmatic{Programmatic: &workflowv1.ProgrammaticTrigger{}}},
			{Id: "hello", Config: &workflowv1.Node_SendMessage{SendMessage: &workflowv1.SendMessageAction{Text: text}}},
			{Id: "done", Config: &workflowv1.Node_End{End: &workflowv1.EndNode{}}},
		},
		Edges: []*workflowv1.Edge{
			{FromNode: "start", ToNode: "hello"},
			{FromNode: "hello", ToNode: "done"},
		},
	}
}

func TestPublishRefusesAnInvalidDraftWithEveryProblem(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := createWorkflow(t, c, "broken") // a trigger wired to nothing
	_, err := c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition)
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	var problems []*workflowv1.Problem
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if res, ok := v.(*workflowv1.ValidateWorkflowResponse); ok {
				problems = res.GetProblems()
			}
		}
	}
	if len(problems) == 0 || problems[0].GetNodeId() != "start" {
		t.Fatalf("refusal carries problems %v", problems)
	}
	got, err := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Msg.GetWorkflow().GetVersionCount() != 0 || got.Msg.GetWorkflow().GetStatus() != workflowv1.WorkflowStatus_WORKFLOW_STATUS_DRAFT {
		t.Fatalf("a refused publish changed the workflow: %v", got.Msg.GetWorkflow())
	}
}

func TestVersionsAreImmutableAndSavingDoesNotChangeWhatRuns(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := createWorkflow(t, c, "greeter")
	up, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
		WorkflowId: w.GetId(), ExpectedRevision: w.GetRevision(), Draft: welcomeGraph("Hello v1"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Msg.GetProblems()) != 0 {
		t.Fatalf("valid draft reported problems: %v", up.Msg.GetProblems())
	}
	pub, err := c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: w.GetId(), Note: "first"}))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Msg.GetWorkflow().GetStatus() != workflowv1.WorkflowStatus_WORKFLOW_STATUS_ACTIVE || pub.Msg.GetWorkflow().GetPublishedVersion() != 1 {
		t.Fatalf("after publish: %v", pub.Msg.GetWorkflow())
	}
	// Edit and save: version 2 exists, version 1 still runs and is unchanged.
	up, err = c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
		WorkflowId: w.GetId(), ExpectedRevision: pub.Msg.GetWorkflow().GetRevision(), Draft: welcomeGraph("Hello v2"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := c.SaveVersion(ctx, connect.NewRequest(&workflowv1.SaveVersionRequest{WorkflowId: w.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Msg.GetVersion().GetNumber() != 2 || saved.Msg.GetVersion().GetPublished() {
		t.Fatalf("saved version %v", saved.Msg.GetVersion())
	}
	v1, err := c.GetVersion(ctx, connect.NewRequest(&workflowv1.GetVersionRequest{WorkflowId: w.GetId(), Number: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if text := v1.Msg.GetVersion().GetGraph().GetNodes()[1].GetSendMessage().GetText(); text != "Hello v1" || !v1.Msg.GetVersion().GetPublished() {
		t.Fatalf("version 1 changed: %q published=%v", text, v1.Msg.GetVersion().GetPublished())
	}
	got, _ := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
	if got.Msg.GetWorkflow().GetPublishedVersion() != 1 || got.Msg.GetWorkflow().GetVersionCount() != 2 {
		t.Fatalf("saving changed what runs: %v", got.Msg.GetWorkflow())
	}
	list, err := c.ListVersions(ctx, connect.NewRequest(&workflowv1.ListVersionsRequest{WorkflowId: w.GetId(), PageSize: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Msg.GetVersions()) != 1 || list.Msg.GetVersions()[0].GetNumber() != 2 || list.Msg.GetNextPageToken() == "" {
		t.Fatalf("first page of versions %v", list.Msg)
	}
	next, err := c.ListVersions(ctx, connect.NewRequest(&workflowv1.ListVersionsRequest{WorkflowId: w.GetId(), PageSize: 1, PageToken: list.Msg.GetNextPageToken()}))
	if err != nil || len(next.Msg.GetVersions()) != 1 || next.Msg.GetVersions()[0].GetNumber() != 1 {
		t.Fatalf("second page of versions %v %v", next, err)
	}
	// Restore version 1 into the draft.
	restored, err := c.RestoreVersion(ctx, connect.NewRequest(&workflowv1.RestoreVersionRequest{WorkflowId: w.GetId(), Number: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if text := restored.Msg.GetWorkflow().GetDraft().GetNodes()[1].GetSendMessage().GetText(); text != "Hello v1" {
		t.Fatalf("restored draft says %q", text)
	}
	// A published workflow cannot be deleted, only archived.
	_, err = c.DeleteWorkflow(ctx, connect.NewRequest(&workflowv1.DeleteWorkflowRequest{WorkflowId: w.GetId()}))
	wantCode(t, err, connect.CodeFailedPrecondition)
}

func TestStaleRevisionIsRefused(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := createWorkflow(t, c, "contested")
	if _, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
		WorkflowId: w.GetId(), ExpectedRevision: w.GetRevision(), Draft: welcomeGraph("first editor"),
	})); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{
		WorkflowId: w.GetId(), ExpectedRevision: w.GetRevision(), Draft: welcomeGraph("second editor"),
	}))
	wantCode(t, err, connect.CodeAborted)
	got, _ := c.GetWorkflow(ctx, connect.NewRequest(&workflowv1.GetWorkflowRequest{WorkflowId: w.GetId()}))
	if text := got.Msg.GetWorkflow().GetDraft().GetNodes()[1].GetSendMessage().GetText(); text != "first editor" {
		t.Fatalf("the stale edit overwrote the draft: %q", text)
	}
}

func TestLifecycleTransitions(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	w := createWorkflow(t, c, "lifecycle")
	id := w.GetId()
	pause := func() error {
		_, err := c.PauseWorkflow(ctx, connect.NewRequest(&workflowv1.PauseWorkflowRequest{WorkflowId: id}))
		return err
	}
	resume := func() error {
		_, err := c.ResumeWorkflow(ctx, connect.NewRequest(&workflowv1.ResumeWorkflowRequest{WorkflowId: id}))
		return err
	}
	archive := func() error {
		_, err := c.ArchiveWorkflow(ctx, connect.NewRequest(&workflowv1.ArchiveWorkflowRequest{WorkflowId: id}))
		return err
	}
	wantCode(t, pause(), connect.CodeFailedPrecondition)  // a draft is not running
	wantCode(t, resume(), connect.CodeFailedPrecondition) // nor paused
	if _, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{WorkflowId: id, Draft: welcomeGraph("hi")})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: id})); err != nil {
		t.Fatal(err)
	}
	if err := pause(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, pause(), connect.CodeFailedPrecondition)
	if err := resume(); err != nil {
		t.Fatal(err)
	}
	if err := archive(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, archive(), connect.CodeFailedPrecondition)
	wantCode(t, resume(), connect.CodeFailedPrecondition)
	_, err := c.UpdateDraft(ctx, connect.NewRequest(&workflowv1.UpdateDraftRequest{WorkflowId: id, Draft: welcomeGraph("x")}))
	wantCode(t, err, connect.CodeFailedPrecondition)
	_, err = c.PublishWorkflow(ctx, connect.NewRequest(&workflowv1.PublishWorkflowRequest{WorkflowId: id}))
	wantCode(t, err, connect.CodeFailedPrecondition)
}

func TestListingFiltersSearchesSortsAndPages(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.workflows(b.all)
	var ids []string
	for i := range 7 {
		w := createWorkflow(t, c, fmt.Sprintf("Flow %c", 'G'-i)) // Flow G ... Flow A
		ids = append(ids, w.GetId())
	}
	_, err := c.CreateWorkflow(ctx, connect.NewRequest(&workflowv1.CreateWorkflowRequest{
		Name:  "VIP_tagging 100%",
		Draft: &workflowv1.Graph{Nodes: []*workflowv1.Node{{Id: "t", Config: &workflowv1.Node_LabelAdded{LabelAdded: &workflowv1.LabelAddedTrigger{}}}}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ArchiveWorkflow(ctx, connect.NewRequest(&workflowv1.ArchiveWorkflowRequest{WorkflowId: ids[0]})); err != nil {
		t.Fatal(err)
	}

	list := func(req *workflowv1.ListWorkflowsRequest) []string {
		t.Helper()
		var names []string
		for {
			res, err := c.ListWorkflows(ctx, connect.NewRequest(req))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Msg.GetWorkflows() {
				if w.GetDraft() != nil {
					t.Fatal("listed workflows carry their draft")
				}
				names = append(names, w.GetName())
			}
			if res.Msg.GetNextPageToken() == "" {
				return names
			}
			req.PageToken = res.Msg.GetNextPageToken()
		}
	}
	byName := list(&workflowv1.ListWorkflowsRequest{Sort: workflowv1.WorkflowSort_WORKFLOW_SORT_NAME, PageSize: 3})
	want := []string{"Flow A", "Flow B", "Flow C", "Flow D", "Flow E", "Flow F", "Flow G", "VIP_tagging 100%"}
	if fmt.Sprint(byName) != fmt.Sprint(want) {
		t.Fatalf("by name, pages of 3: %v", byName)
	}
	byUpdated := list(&workflowv1.ListWorkflowsRequest{PageSize: 2})
	if len(byUpdated) != 8 || byUpdated[0] != "Flow G" { // archiving touched Flow G last
		t.Fatalf("by updated: %v", byUpdated)
	}
	drafts := list(&workflowv1.ListWorkflowsRequest{Statuses: []workflowv1.WorkflowStatus{workflowv1.WorkflowStatus_WORKFLOW_STATUS_DRAFT}, Sort: workflowv1.WorkflowSort_WORKFLOW_SORT_NAME})
	if len(drafts) != 7 || drafts[len(drafts)-2] != "Flow F" {
		t.Fatalf("drafts: %v", drafts)
	}
	if got := list(&workflowv1.ListWorkflowsRequest{TriggerKind: workflowv1.TriggerKind_TRIGGER_KIND_LABEL_ADDED}); fmt.Sprint(got) != "[VIP_tagging 100%]" {
		t.Fatalf("by trigger kind: %v", got)
	}
	if got := list(&workflowv1.ListWorkflowsRequest{Query: "flow c"}); fmt.Sprint(got) != "[Flow C]" {
		t.Fatalf("search: %v", got)
	}
	if got := list(&workflowv1.ListWorkflowsRequest{Query: "_"}); fmt.Sprint(got) != "[VIP_tagging 100%]" {
		t.Fatalf("search treats _ as a wildcard: %v", got)
	}
	if got := list(&workflowv1.ListWorkflowsRequest{Query: "0%"}); fmt.Sprint(got) != "[VIP_tagging 100%]" {
		t.Fatalf("search for 0%%: %v", got)
	}
	_, err = c.ListWorkflows(ctx, connect.NewRequest(&workflowv1.ListWorkflowsRequest{PageToken: "garbage!"}))
	wantCode(t, err, connect.CodeInvalidArgument)
}
