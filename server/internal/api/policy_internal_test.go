package api

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Every method of every service has an access rule with a real scope, and
// the table names no method that does not exist: a new RPC cannot ship
// without deciding who may call it.
func TestAccessTableCoversEveryMethod(t *testing.T) {
	table := procedureAccess()
	declared := 0
	for _, svc := range []protoreflect.ServiceDescriptor{
		workflowv1.File_parley_workflow_v1_workflow_proto.Services().Get(0),
		agentv1.File_parley_agent_v1_agent_proto.Services().Get(0),
		sessionv1.File_parley_session_v1_session_proto.Services().Get(0),
	} {
		for i := range svc.Methods().Len() {
			declared++
			proc := fmt.Sprintf("/%s/%s", svc.FullName(), svc.Methods().Get(i).Name())
			a, ok := table[proc]
			if !ok {
				t.Errorf("%s has no access rule", proc)
				continue
			}
			if !domain.ValidScope(a.scope) {
				t.Errorf("%s: scope %q is not a known scope", proc, a.scope)
			}
		}
	}
	if len(table) != declared {
		t.Errorf("access table has %d procedures, services declare %d", len(table), declared)
	}
}
