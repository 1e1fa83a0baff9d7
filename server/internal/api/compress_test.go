package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// A client that accepts gzip gets large responses compressed and small ones
// as they are: compressing a few hundred bytes costs more than sending them.
func TestResponsesAreCompressedFromOneKiB(t *testing.T) {
	b := setup(t)
	c := b.workflows(b.all)
	for _, tc := range []struct {
		description string
		want        string
	}{
		{"short", ""},
		{strings.Repeat("a long description ", 100), "gzip"},
	} {
		res, err := c.CreateWorkflow(context.Background(), connect.NewRequest(&workflowv1.CreateWorkflowRequest{
			Name: "compressed " + tc.want, Description: tc.description,
		}))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, b.url+"/parley.workflow.v1.WorkflowService/GetWorkflow",
			strings.NewReader(`{"workflowId": "`+res.Msg.GetWorkflow().GetId()+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Authorization", "Bearer "+b.all)
		got, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if got.StatusCode != http.StatusOK || got.Header.Get("Content-Encoding") != tc.want {
			t.Errorf("GetWorkflow with a %d-byte description: status %d, Content-Encoding %q, want %q",
				len(tc.description), got.StatusCode, got.Header.Get("Content-Encoding"), tc.want)
		}
	}
}
