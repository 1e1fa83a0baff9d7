package api

import (
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"

	agentv1 "github.com/parleyhq/parley/gen/parley/agent/v1"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// access says who may call a procedure.
type access struct {
	// Scope an API token must carry.
	scope domain.Scope
	// A widget's session token may call it, on its own session only.
	session bool
	// A caller without credentials may call it (the handler then checks
	// what it needs, e.g. a workspace public key).
	anonymous bool
}

// rule shorthands.
var (
	workflowsRead    = access{scope: domain.ScopeWorkflowsRead}
	workflowsWrite   = access{scope: domain.ScopeWorkflowsWrite}
	workflowsTrigger = access{scope: domain.ScopeWorkflowsTrigger}
	agentTrigger     = access{scope: domain.ScopeAgentTrigger}
	sessionsRead     = access{scope: domain.ScopeSessionsRead}
	sessionsWrite    = access{scope: domain.ScopeSessionsWrite}
)

func widget(a access) access { a.session = true; return a }

// accessByMethod is the whole authorization table, by service and method
// name. Every method of every service must appear (a test checks it);
// procedures without an entry are refused.
var accessByMethod = map[protoreflect.FullName]map[protoreflect.Name]access{
	workflowv1.File_parley_workflow_v1_workflow_proto.Services().Get(0).FullName(): {
		"CreateWorkflow":   workflowsWrite,
		"GetWorkflow":      workflowsRead,
		"ListWorkflows":    workflowsRead,
		"UpdateDraft":      workflowsWrite,
		"DeleteWorkflow":   workflowsWrite,
		"ValidateWorkflow": workflowsRead,
		"SaveVersion":      workflowsWrite,
		"PublishWorkflow":  workflowsWrite,
		"PauseWorkflow":    workflowsWrite,
		"ResumeWorkflow":   workflowsWrite,
		"ArchiveWorkflow":  workflowsWrite,
		"ListVersions":     workflowsRead,
		"GetVersion":       workflowsRead,
		"RestoreVersion":   workflowsWrite,
		"TriggerWorkflow":  workflowsTrigger,
		"TestWorkflow":     workflowsWrite,
		"ListRuns":         workflowsRead,
		"GetRun":           workflowsRead,
		"CancelRun":        workflowsWrite,
		"GetSnippets":      workflowsRead,
	},
	agentv1.File_parley_agent_v1_agent_proto.Services().Get(0).FullName(): {
		"TriggerAgent":   agentTrigger,
		"PauseAgent":     agentTrigger,
		"ResumeAgent":    agentTrigger,
		"GetAgentState":  sessionsRead,
		"CreatePersona":  workflowsWrite,
		"UpdatePersona":  workflowsWrite,
		"GetPersona":     workflowsRead,
		"ListPersonas":   workflowsRead,
		"DeletePersona":  workflowsWrite,
		"UpsertArticle":  workflowsWrite,
		"GetArticle":     workflowsRead,
		"ListArticles":   workflowsRead,
		"DeleteArticle":  workflowsWrite,
		"SearchArticles": workflowsRead,
	},
	sessionv1.File_parley_session_v1_session_proto.Services().Get(0).FullName(): {
		"CreateSession":           {scope: domain.ScopeSessionsWrite, anonymous: true},
		"GetSession":              widget(sessionsRead),
		"ListSessions":            sessionsRead,
		"SendMessage":             widget(sessionsWrite),
		"ListEvents":              widget(sessionsRead),
		"SetData":                 widget(sessionsWrite),
		"UpdateLabels":            sessionsWrite,
		"UpdateSegments":          widget(sessionsWrite),
		"SetStatus":               sessionsWrite,
		"SetStarred":              sessionsWrite,
		"Assign":                  sessionsWrite,
		"SetLead":                 sessionsWrite,
		"UpdateVisitor":           widget(sessionsWrite),
		"RunWorkflow":             widget(workflowsTrigger),
		"Subscribe":               widget(sessionsRead),
		"SubscribeWorkspace":      sessionsRead,
		"CreateOperator":          sessionsWrite,
		"ListOperators":           sessionsRead,
		"SetOperatorAvailability": sessionsWrite,
	},
}

// procedureAccess flattens accessByMethod into Connect procedure paths
// ("/parley.workflow.v1.WorkflowService/CreateWorkflow").
func procedureAccess() map[string]access {
	out := make(map[string]access)
	for svc, methods := range accessByMethod {
		for m, a := range methods {
			out[fmt.Sprintf("/%s/%s", svc, m)] = a
		}
	}
	return out
}
