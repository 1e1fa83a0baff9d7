package agent

import (
	"context"

	"github.com/parleyhq/parley/server/internal/domain"
)

// A Provider writes the agent's answers. Two implement it: the built-in
// knowledge-base retrieval (Builtin) and any OpenAI-compatible chat
// completions server (OpenAI).
type Provider interface {
	// Answer answers the visitor's question. A provider that streams calls
	// onText with each piece of the answer, in order, as it is written; the
	// answer's Text is then the pieces joined.
	Answer(ctx context.Context, q Question, onText func(string) error) (Answer, error)
	// Name says which provider this is, for logs and the step records.
	Name() string
}

// Question is what the agent knows when it answers.
type Question struct {
	// Text is the visitor's unanswered message (several, one per line,
	// when they wrote more than one before the agent answered).
	Text string
	// Persona is the persona the session is assigned to, if any.
	Persona *domain.Persona
	// Instruction is the session's instruction from TriggerAgent or a
	// workflow, e.g. "The user is a VIP customer, provide premium support".
	Instruction string
	// Articles are the knowledge base's best matches for Text, best first.
	Articles []domain.ArticleMatch
	// History is the conversation before Text, oldest first.
	History []Turn
}

// Turn is one message of the conversation.
type Turn struct {
	Role Role
	Text string
}

// Role says who wrote a turn.
type Role string

// Roles of a conversation's turns.
const (
	RoleVisitor  Role = "visitor"
	RoleAgent    Role = "agent" // the AI agent or a workflow's bot
	RoleOperator Role = "operator"
)

// Answer is what the agent replies.
type Answer struct {
	Text string
	// OfferHuman adds a "Talk to a person" button under the answer.
	OfferHuman bool
}
