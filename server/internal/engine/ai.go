package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/agent"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/outbound"
	"github.com/parleyhq/parley/server/internal/session"
)

// transcriptEvents is how many recent session events an AI step reads.
const transcriptEvents = 60

// sentiments are the values AI extraction gives a sentiment variable.
var sentiments = []string{"positive", "neutral", "negative"}

// errNoLLM fails AI steps on a server without an LLM provider (validation
// refuses to publish them there, but a version published elsewhere, or
// before the provider was removed, may still run).
var errNoLLM = errors.New("AI steps need an LLM provider, and none is configured on this server (--llm-base-url)")

// aiCall makes the LLM call of an AI extraction or custom skill step (and,
// for a skill, the call to its URL) before the step's transaction.
func (e *Engine) aiCall(ctx context.Context, node *workflowv1.Node, sess domain.Session, ws domain.Workspace, c *callResult) *callResult {
	if e.opts.LLM == nil {
		c.err, c.final = errNoLLM, true
		return c
	}
	evs, _, err := e.sessions.Events(ctx, sess.WorkspaceID, sess.ID, max(0, sess.LastSequence-transcriptEvents), transcriptEvents)
	if err != nil {
		c.err = err
		return c
	}
	transcript := agent.Transcript(agent.Turns(evs))
	c.request = map[string]any{"model": e.opts.LLM.Model(), "delivery_id": c.delivery}
	switch n := node.GetConfig().(type) {
	case *workflowv1.Node_AiExtraction:
		out, err := e.opts.LLM.Complete(ctx, agent.Chat{Messages: extractionPrompt(n.AiExtraction, transcript), JSON: true})
		if c.err = err; err == nil {
			c.extracted, c.err = parseExtraction(out)
		}
		c.final = llmErrorIsFinal(c.err)
	case *workflowv1.Node_CustomSkill:
		e.callSkill(ctx, n.CustomSkill, transcript, ws, c)
	}
	return c
}

// llmErrorIsFinal: the API refused the request itself (4xx but 429), which
// no retry changes.
func llmErrorIsFinal(err error) bool {
	var se *agent.StatusError
	return errors.As(err, &se) && se.Status/100 == 4 && se.Status != http.StatusTooManyRequests
}

// extraction is what the model extracted from a conversation.
type extraction struct {
	Labels    []string       `json:"labels"`
	Sentiment string         `json:"sentiment"`
	Fields    map[string]any `json:"fields"`
}

func parseExtraction(out string) (*extraction, error) {
	var x extraction
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &x); err != nil {
		return nil, fmt.Errorf("the model's extraction is not the JSON asked for: %w", err)
	}
	return &x, nil
}

func extractionPrompt(a *workflowv1.AiExtractionAction, transcript string) []agent.ChatMessage {
	var sys strings.Builder
	sys.WriteString("You extract facts from a customer conversation. Answer with one JSON object and nothing else, with these members:\n")
	if len(a.GetLabels()) > 0 {
		fmt.Fprintf(&sys, "- \"labels\": the labels that apply to the conversation, chosen only from %s (an empty list when none applies)\n", jsonText(a.GetLabels()))
	}
	if a.GetSentimentVariable() != "" {
		sys.WriteString("- \"sentiment\": the visitor's sentiment, one of \"positive\", \"neutral\" or \"negative\"\n")
	}
	if len(a.GetFields()) > 0 {
		sys.WriteString("- \"fields\": an object with these keys, each set to the value found in the conversation, or null when it is not there:\n")
		for _, f := range a.GetFields() {
			fmt.Fprintf(&sys, "  - %q (%s): %s\n", f.GetKey(), valueTypeName(f.GetType()), f.GetDescription())
		}
	}
	return []agent.ChatMessage{{Role: "system", Content: sys.String()}, {Role: "user", Content: "Conversation:\n" + transcript}}
}

func valueTypeName(t workflowv1.ValueType) string {
	switch t {
	case workflowv1.ValueType_VALUE_TYPE_NUMBER:
		return "a number"
	case workflowv1.ValueType_VALUE_TYPE_BOOL:
		return "true or false"
	}
	return "a string"
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// applyExtraction adds the chosen labels (only configured ones), sets the
// sentiment variable and the custom data fields, and records what it did;
// values of the wrong type or outside the choices are left out, with a
// note.
func (x *execution) applyExtraction(ctx context.Context, o *outcome, a *workflowv1.AiExtractionAction, got *extraction) error {
	var labels []string
	for _, l := range got.Labels {
		i := slices.IndexFunc(a.GetLabels(), func(allowed string) bool { return strings.EqualFold(allowed, strings.TrimSpace(l)) })
		if i < 0 {
			o.note(fmt.Sprintf("label %q is not one of the step's labels: not added", l))
			continue
		}
		if !slices.Contains(labels, a.GetLabels()[i]) {
			labels = append(labels, a.GetLabels()[i])
		}
	}
	o.set("labels", labels)
	if v := a.GetSentimentVariable(); v != "" {
		sentiment := strings.ToLower(strings.TrimSpace(got.Sentiment))
		if slices.Contains(sentiments, sentiment) {
			x.setVariable(v, sentiment)
			o.set("sentiment", sentiment)
		} else {
			o.note(fmt.Sprintf("sentiment %q is not positive, neutral or negative: %s was not set", got.Sentiment, v))
		}
	}
	changes := session.All{}
	if len(labels) > 0 {
		changes = append(changes, session.UpdateLabels{Add: labels})
	}
	fields := map[string]any{}
	for _, f := range a.GetFields() {
		raw, ok := got.Fields[f.GetKey()]
		if !ok || raw == nil {
			o.note(fmt.Sprintf("%s was not found in the conversation", f.GetKey()))
			continue
		}
		v, err := extractedValue(raw, f.GetType())
		if err != nil {
			o.note(fmt.Sprintf("%s: %v: not set", f.GetKey(), err))
			continue
		}
		fields[f.GetKey()] = v
		changes = append(changes, session.SetData{Key: f.GetKey(), Value: v})
	}
	o.set("fields", fields)
	if len(changes) == 0 {
		return nil
	}
	return x.apply(ctx, o, changes)
}

// extractedValue converts a JSON value the model gave to a field's type.
func extractedValue(raw any, t workflowv1.ValueType) (any, error) {
	switch v := raw.(type) {
	case string:
		return typedValue(v, t)
	case float64:
		if t == workflowv1.ValueType_VALUE_TYPE_BOOL {
			return nil, fmt.Errorf("%v is not true or false", v)
		}
		if t == workflowv1.ValueType_VALUE_TYPE_NUMBER {
			return v, nil
		}
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		if t == workflowv1.ValueType_VALUE_TYPE_NUMBER {
			return nil, fmt.Errorf("%v is not a number", v)
		}
		if t == workflowv1.ValueType_VALUE_TYPE_BOOL {
			return v, nil
		}
		return strconv.FormatBool(v), nil
	}
	return nil, fmt.Errorf("%s is not a single value", jsonText(raw))
}

// callSkill has the model fill in the skill's arguments from the
// conversation, then POSTs them to the skill's URL, signed like a webhook.
func (e *Engine) callSkill(ctx context.Context, s *workflowv1.CustomSkillAction, transcript string, ws domain.Workspace, c *callResult) {
	msgs := []agent.ChatMessage{
		{Role: "system", Content: fmt.Sprintf("You run the tool %q for a customer conversation: call it with the arguments the conversation gives. %s", s.GetName(), s.GetDescription())},
		{Role: "user", Content: "Conversation:\n" + transcript},
	}
	args, err := e.opts.LLM.Complete(ctx, agent.Chat{Messages: msgs, Tool: &agent.Tool{
		Name: s.GetName(), Description: s.GetDescription(), Parameters: json.RawMessage(s.GetInputSchema()),
	}})
	if err != nil {
		c.err, c.final = err, llmErrorIsFinal(err)
		return
	}
	var object map[string]any
	if err := json.Unmarshal([]byte(args), &object); err != nil || object == nil {
		c.err = fmt.Errorf("the model's arguments for %s are not a JSON object: %.200s", s.GetName(), args)
		return
	}
	body, _ := json.Marshal(object)
	req := outbound.Request{Method: http.MethodPost, URL: s.GetUrl(), Header: http.Header{}, Body: body,
		Limits: outbound.Limits{Timeout: defaultCallTimeout, MaxBodyBytes: fetchMaxBody}}
	signJSON(&req, ws)
	e.send(ctx, c, req)
}

// storeSkillResult puts the skill's JSON response in its output variable,
// and each top-level value of an object response in <variable>.<key>.
func (x *execution) storeSkillResult(o *outcome, s *workflowv1.CustomSkillAction, body []byte) {
	name := s.GetOutputVariable()
	if name == "" {
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		o.note(fmt.Sprintf("the skill's response is not JSON: %s was not set", name))
		return
	}
	x.setVariable(name, scalar(v))
	if obj, ok := v.(map[string]any); ok {
		for k, item := range obj {
			x.setVariable(name+"."+k, scalar(item))
		}
	}
	o.set("output_variable", name)
}
