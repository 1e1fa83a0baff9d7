package domain

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Run modes.
const (
	RunProduction = "production"
	RunTest       = "test"
	RunManual     = "manual"
)

// Run statuses. Pending, running and waiting runs are active; the others
// are final.
const (
	RunPending   = "pending"
	RunRunning   = "running"
	RunWaiting   = "waiting"
	RunCompleted = "completed"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Run is one execution of one workflow version on one session.
type Run struct {
	WorkspaceID uuid.UUID
	ID          uuid.UUID
	WorkflowID  uuid.UUID
	// Version is 0 for a run of a draft snapshot (Graph is then set).
	Version   int32
	SessionID uuid.UUID
	Mode      string
	Status    string
	// Trigger is the stored trigger kind name, e.g. "programmatic".
	Trigger     string
	TriggerData map[string]any
	// Variables: each value a string, float64 or bool.
	Variables map[string]any
	Graph     json.RawMessage
	// CurrentNodeID is the node the run executes next (or waits in).
	CurrentNodeID string
	StepCount     int32
	Epoch         int64
	Wait          *RunWait
	WakeAt        *time.Time
	CallAttempt   int32
	Error         string
	Depth         int32
	CauseRunID    *uuid.UUID
	FastForward   bool
	StopUntil     *time.Time
	// IdempotencyKey and RequestHash identify a programmatic start.
	IdempotencyKey *string
	RequestHash    []byte
	CreatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
	UpdatedAt      time.Time
}

// Active reports whether the run may still execute steps.
func (r Run) Active() bool {
	return r.Status == RunPending || r.Status == RunRunning || r.Status == RunWaiting
}

// Wait kinds.
const (
	WaitDelay   = "delay"   // a delay node: wakes at WakeAt
	WaitMessage = "message" // a visitor message
	WaitButton  = "button"  // a button choice (a picker's, or any for wait-for-event)
	WaitInput   = "input"   // an input answer
	WaitRetry   = "retry"   // backoff before retrying an external call
)

// RunWait is what a waiting run waits for.
type RunWait struct {
	Kind string `json:"kind"`
	// Step is the index of the step row that waits.
	Step int32 `json:"step"`
	// QuestionSequence is the picker or input request to be answered; 0
	// accepts any of the kind.
	QuestionSequence int64 `json:"question_sequence,omitempty"`
	// Timeout means WakeAt takes the "timeout" port.
	Timeout bool `json:"timeout,omitempty"`
	// CancelOnOperatorReply ends the run when an operator writes first.
	CancelOnOperatorReply bool `json:"cancel_on_operator_reply,omitempty"`
	// Answer is set once the awaited event came.
	Answer *RunWaitAnswer `json:"answer,omitempty"`
}

// RunWaitAnswer is the event a wait received.
type RunWaitAnswer struct {
	Value    string `json:"value"`
	Sequence int64  `json:"sequence"`
	// Cancelled is set when an operator's reply cancelled the wait.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Step statuses.
const (
	StepCompleted = "completed"
	StepFailed    = "failed"
	StepWaiting   = "waiting"
	StepSkipped   = "skipped"
)

// RunStep is one node executed by a run.
type RunStep struct {
	WorkspaceID uuid.UUID
	RunID       uuid.UUID
	Index       int32
	NodeID      string
	Kind        string
	Status      string
	Input       json.RawMessage
	Output      json.RawMessage
	// Conditions is the protojson array of ConditionResult.
	Conditions json.RawMessage
	Port       string
	Error      string
	Attempt    int32
	StartedAt  time.Time
	FinishedAt *time.Time
}

// RunFilter selects runs for a listing, newest first.
type RunFilter struct {
	WorkflowID    *uuid.UUID
	SessionID     *uuid.UUID
	Statuses      []string
	Mode          string
	CreatedAfter  *time.Time
	CreatedBefore *time.Time
	// AfterCreated/AfterID continue a listing after that run.
	AfterCreated *time.Time
	AfterID      uuid.UUID
	Limit        int
}

// TriggerWorkflow is an active workflow's published version, as event
// matching needs it.
type TriggerWorkflow struct {
	WorkflowID uuid.UUID
	Name       string
	Version    int32
	Graph      json.RawMessage
	Settings   json.RawMessage
}
