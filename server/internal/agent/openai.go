package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// OpenAI answers with an OpenAI-compatible chat model, grounded in the
// knowledge base: the prompt carries the persona's instructions and tone,
// the session's instruction, the retrieved articles and the recent
// conversation, and the answer is streamed as it is written.
type OpenAI struct{ llm *LLM }

// NewOpenAI returns a provider on llm.
func NewOpenAI(llm *LLM) *OpenAI { return &OpenAI{llm: llm} }

// Name is "openai-compatible (<model>)".
func (p *OpenAI) Name() string { return fmt.Sprintf("openai-compatible (%s)", p.llm.Model()) }

// Answer streams the model's answer to q.
func (p *OpenAI) Answer(ctx context.Context, q Question, onText func(string) error) (Answer, error) {
	text, err := p.llm.Stream(ctx, Chat{Messages: Prompt(q)}, onText)
	if err != nil {
		return Answer{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Answer{}, errors.New("the model answered nothing")
	}
	return Answer{Text: text}, nil
}

// Limits of what a prompt carries.
const (
	promptArticleChars = 2000 // of each retrieved article's body
	promptTurns        = 20   // most recent turns of the conversation
)

// Prompt is the chat a question becomes: a system message with the
// persona, the instruction and the retrieved articles, then the recent
// turns, then the question.
func Prompt(q Question) []ChatMessage {
	var sys strings.Builder
	name := "the support assistant"
	if q.Persona != nil && q.Persona.Name != "" {
		name = q.Persona.Name
	}
	fmt.Fprintf(&sys, "You are %s, answering a website visitor's questions in a live chat.\n", name)
	if q.Persona != nil && strings.TrimSpace(q.Persona.Instructions) != "" {
		fmt.Fprintf(&sys, "\n%s\n", strings.TrimSpace(q.Persona.Instructions))
	}
	if q.Persona != nil && strings.TrimSpace(q.Persona.Tone) != "" {
		fmt.Fprintf(&sys, "\nTone: %s.\n", strings.TrimSpace(q.Persona.Tone))
	}
	if strings.TrimSpace(q.Instruction) != "" {
		fmt.Fprintf(&sys, "\nInstruction for this conversation: %s\n", strings.TrimSpace(q.Instruction))
	}
	sys.WriteString("\nAnswer from the knowledge base articles below. If they do not contain the answer, say so plainly and offer to bring in a person; never make up facts, prices or policies. Keep answers short.\n")
	if len(q.Articles) == 0 {
		sys.WriteString("\nKnowledge base: no article matches this question.\n")
	} else {
		sys.WriteString("\nKnowledge base:\n")
		for i, m := range q.Articles {
			fmt.Fprintf(&sys, "\n[%d] %s\n%s\n", i+1, m.Article.Title, clipText(m.Article.Body, promptArticleChars))
		}
	}
	msgs := []ChatMessage{{Role: "system", Content: sys.String()}}
	history := q.History[max(0, len(q.History)-promptTurns):]
	for _, t := range history {
		switch t.Role {
		case RoleVisitor:
			msgs = append(msgs, ChatMessage{Role: "user", Content: t.Text})
		case RoleOperator:
			msgs = append(msgs, ChatMessage{Role: "assistant", Content: "(a member of the team wrote) " + t.Text})
		default:
			msgs = append(msgs, ChatMessage{Role: "assistant", Content: t.Text})
		}
	}
	return append(msgs, ChatMessage{Role: "user", Content: q.Text})
}

// clipText shortens s to at most n runes, marking the cut.
func clipText(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + " …"
}
