package domain

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Session statuses.
const (
	SessionOpen     = "open"
	SessionResolved = "resolved"
)

// Session is a conversation's current state; its history is its events.
type Session struct {
	WorkspaceID uuid.UUID
	ID          uuid.UUID
	// Channel is the stored channel name: "webchat", "whatsapp", "api", ...
	Channel string
	// Status is SessionOpen or SessionResolved.
	Status  string
	Starred bool
	// At most one of the two is set.
	AssigneeOperatorID *uuid.UUID
	AssigneePersonaID  *uuid.UUID
	Labels             []string
	Segments           []string
	// Data is custom data: each value a string, float64 or bool.
	Data    map[string]any
	Visitor Visitor
	// Lead is nil until the session has one.
	Lead          *Lead
	Agent         AgentState
	LastSequence  int64
	MessageCount  int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastMessageAt *time.Time
}

// Visitor is who the session is with, as far as they told.
type Visitor struct {
	Name, Email, Phone string
}

// Lead is the session's contact in a sales pipeline.
type Lead struct {
	Stage string
	// AmountMinor is the expected amount in minor units (cents).
	AmountMinor int64
	CreatedAt   time.Time
}

// AgentState says whether the AI agent answers the session.
type AgentState struct {
	Active       bool       `json:"active,omitempty"`
	Instruction  string     `json:"instruction,omitempty"`
	PausedReason string     `json:"paused_reason,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
	// AnsweredThrough is the sequence of the last visitor event the agent
	// has answered (or handed off); an answer to an earlier one is stale.
	AnsweredThrough int64 `json:"answered_through,omitempty"`
}

// SessionEvent is one stored entry of a session's event log.
type SessionEvent struct {
	WorkspaceID uuid.UUID
	SessionID   uuid.UUID
	// Sequence is gap-free per session, from 1.
	Sequence int64
	// ID and Xid order the workspace stream (see store.WorkspaceEvents).
	ID  int64
	Xid int64
	// Kind is the payload's field name, e.g. "message" or "label_added".
	Kind string
	// Actor is "visitor", "operator", "bot", "agent" or "system".
	Actor      string
	OperatorID *uuid.UUID
	CauseRunID *uuid.UUID
	// ReplyTo is the sequence a button choice or input answer answers.
	ReplyTo *int64
	// Payload is the event in protojson (parley.session.v1.SessionEvent
	// holding only its payload).
	Payload   json.RawMessage
	CreatedAt time.Time
}

// SessionFilter selects sessions for listing, newest first.
type SessionFilter struct {
	Status, Channel, Label string
	OperatorID, PersonaID  *uuid.UUID
	// After continues a listing after this session (created_at, id).
	AfterCreated *time.Time
	AfterID      uuid.UUID
	Limit        int
}

// WorkspaceCursor is a position in a workspace's event stream.
type WorkspaceCursor struct {
	Xid, ID int64
}

// Operator is a team member conversations are assigned to.
type Operator struct {
	WorkspaceID uuid.UUID
	ID          uuid.UUID
	Name, Email string
	Available   bool
	CreatedAt   time.Time
}
