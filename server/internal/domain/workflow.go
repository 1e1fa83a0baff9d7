package domain

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// WorkflowStatus is the lifecycle state of a workflow (seed 004).
type WorkflowStatus string

const (
	WorkflowDraft    WorkflowStatus = "draft"
	WorkflowActive   WorkflowStatus = "active"
	WorkflowPaused   WorkflowStatus = "paused"
	WorkflowArchived WorkflowStatus = "archived"
)

// Workflow is a stored workflow definition. Graphs and settings are kept in
// their protojson form; the workflow package owns their meaning.
type Workflow struct {
	WorkspaceID      uuid.UUID
	ID               uuid.UUID
	Name             string
	Description      string
	Status           WorkflowStatus
	Draft            json.RawMessage
	Settings         json.RawMessage
	Revision         int64
	TriggerKind      string
	PublishedVersion int32
	VersionCount     int32
	ExecutionCount   int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	PublishedAt      *time.Time
}

// WorkflowVersion is an immutable snapshot of a workflow's graph.
type WorkflowVersion struct {
	WorkspaceID    uuid.UUID
	WorkflowID     uuid.UUID
	Number         int32
	Graph          json.RawMessage
	Settings       json.RawMessage
	TriggerKind    string
	Note           string
	ExecutionCount int64
	CreatedAt      time.Time
}

// WorkflowSort orders workflow listings.
type WorkflowSort int

const (
	SortByUpdated WorkflowSort = iota
	SortByName
	SortByExecutions
)

// WorkflowFilter selects workflows for a listing.
type WorkflowFilter struct {
	Statuses    []WorkflowStatus
	TriggerKind string
	// NameContains matches names case-insensitively.
	NameContains string
	Sort         WorkflowSort
	// After is the last workflow of the previous page (keyset pagination),
	// nil for the first page.
	After *Workflow
	Limit int
}
