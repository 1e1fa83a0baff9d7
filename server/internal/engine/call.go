package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
	"github.com/parleyhq/parley/server/internal/engine/expr"
	"github.com/parleyhq/parley/server/internal/engine/outbound"
	"github.com/parleyhq/parley/server/internal/workflow"
)

// Outbound call limits.
const (
	defaultCallTimeout = 10 * time.Second
	fetchMaxBody       = 1 << 20  // response bytes a fetch API step reads
	webhookMaxBody     = 64 << 10 // response bytes a webhook step reads
	webhookRetries     = 5        // retries of a webhook after the first attempt
	maxRetryBackoff    = 5 * time.Minute
	recordedBodyBytes  = 4 << 10 // response body kept in the step record
	maxHeaderVariables = 30
)

// Headers every outbound call carries. The delivery id is the same on every
// attempt of a step, so receivers can drop repeats.
const (
	HeaderDelivery  = "Parley-Delivery"
	HeaderAttempt   = "Parley-Attempt"
	HeaderTimestamp = "Parley-Timestamp"
	HeaderSignature = "Parley-Signature"
)

func isExternal(n *workflowv1.Node) bool {
	return n.GetFetchApi() != nil || n.GetSendWebhook() != nil || n.GetAiExtraction() != nil || n.GetCustomSkill() != nil
}

// callResult is an external call made before the step's transaction.
type callResult struct {
	attempt  int32
	delivery string
	request  map[string]any
	missing  map[string][]string
	resp     *outbound.Response
	err      error
	// final is set for failures no retry can fix (a template that does not
	// render, a refused target).
	final bool
	// extracted is an AI extraction's result.
	extracted *extraction
}

// call makes the external call of node for the run's next step.
func (e *Engine) call(ctx context.Context, r domain.Run, node *workflowv1.Node, sess domain.Session, ws domain.Workspace) *callResult {
	scope := scopeOf(r, sess)
	c := &callResult{
		attempt:  r.CallAttempt + 1,
		delivery: fmt.Sprintf("%s:%d", domain.PrefixRun.Format(r.ID), r.StepCount),
		missing:  map[string][]string{},
	}
	if node.GetAiExtraction() != nil || node.GetCustomSkill() != nil {
		return e.aiCall(ctx, node, sess, ws, c)
	}
	render := func(field, tmpl string, json bool) string {
		if c.err != nil {
			return ""
		}
		f := expr.Render
		if json {
			f = expr.RenderJSON
		}
		out, err := f(tmpl, scope)
		if err != nil {
			c.err, c.final = fmt.Errorf("%s: %w", field, err), true
			return ""
		}
		if len(out.Missing) > 0 {
			c.missing[field] = out.Missing
		}
		return out.Text
	}
	req := outbound.Request{Header: http.Header{}}
	switch n := node.GetConfig().(type) {
	case *workflowv1.Node_FetchApi:
		f := n.FetchApi
		req.Method = strings.TrimPrefix(f.GetMethod().String(), "HTTP_METHOD_")
		req.URL = render("url", f.GetUrl(), false)
		for i, h := range f.GetHeaders() {
			req.Header.Set(h.GetName(), render(fmt.Sprintf("headers[%d].value", i), h.GetValue(), false))
		}
		if f.GetBody() != "" {
			req.Body = []byte(render("body", f.GetBody(), true))
			if req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "application/json")
			}
		}
		req.Limits = outbound.Limits{Timeout: time.Duration(f.GetTimeoutMs()) * time.Millisecond, MaxBodyBytes: fetchMaxBody}
	case *workflowv1.Node_SendWebhook:
		w := n.SendWebhook
		req.Method = http.MethodPost
		req.URL = render("url", w.GetUrl(), false)
		for i, h := range w.GetHeaders() {
			req.Header.Set(h.GetName(), render(fmt.Sprintf("headers[%d].value", i), h.GetValue(), false))
		}
		if w.GetBody() != "" {
			req.Body = []byte(render("body", w.GetBody(), true))
		} else {
			req.Body = defaultWebhookBody(r, sess, c.delivery)
		}
		signJSON(&req, ws)
		req.Limits = outbound.Limits{Timeout: defaultCallTimeout, MaxBodyBytes: webhookMaxBody}
	}
	c.request = map[string]any{"delivery_id": c.delivery}
	if c.err != nil {
		return c
	}
	e.send(ctx, c, req)
	return c
}

// signJSON marks req's body as JSON and signs it with the workspace's
// webhook secret, as webhooks and custom skills are.
func signJSON(req *outbound.Request, ws domain.Workspace) {
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, outbound.Signature([]byte(ws.WebhookSecret), ts, req.Body))
}

// send stamps req with the step's delivery id and attempt, records it in
// c.request, and makes the call.
func (e *Engine) send(ctx context.Context, c *callResult, req outbound.Request) {
	req.Header.Set(HeaderDelivery, c.delivery)
	req.Header.Set(HeaderAttempt, strconv.Itoa(int(c.attempt)))
	c.request["method"], c.request["url"] = req.Method, req.URL
	if req.Body != nil {
		c.request["body"] = clip(req.Body)
	}
	c.resp, c.err = e.http.Do(ctx, req)
	if c.err != nil && !outbound.Retryable(c.err, 0) {
		c.final = true
	}
}

// defaultWebhookBody is what a webhook without a body template sends.
func defaultWebhookBody(r domain.Run, s domain.Session, delivery string) []byte {
	body, _ := json.Marshal(map[string]any{
		"delivery_id":  delivery,
		"workflow_id":  domain.PrefixWorkflow.Format(r.WorkflowID),
		"run_id":       domain.PrefixRun.Format(r.ID),
		"trigger":      r.Trigger,
		"trigger_data": nonNil(r.TriggerData),
		"variables":    nonNil(r.Variables),
		"session": map[string]any{
			"id": domain.PrefixSession.Format(s.ID), "status": s.Status, "channel": s.Channel,
			"labels": nonNilList(s.Labels), "segments": nonNilList(s.Segments), "data": nonNil(s.Data),
			"visitor": map[string]any{"name": s.Visitor.Name, "email": s.Visitor.Email, "phone": s.Visitor.Phone},
		},
	})
	return body
}

// finishCall turns a call's result into the step's outcome: the response
// mapped into variables, a retry after backoff, the error port, or a
// failed run.
func (x *execution) finishCall(o *outcome, node *workflowv1.Node, c *callResult) {
	o.input, o.attempt = c.request, c.attempt
	for field, keys := range c.missing {
		x.missing(o, field, keys)
	}
	fetch := node.GetFetchApi()
	var failure string
	retryable := false
	if c.err != nil {
		failure = c.err.Error()
		retryable = !c.final
	} else if c.resp != nil {
		o.set("status", float64(c.resp.Status))
		o.set("duration_ms", float64(c.resp.Duration.Milliseconds()))
		o.set("body", clip(c.resp.Body))
		if fetch != nil {
			x.mapResponse(o, fetch, c.resp)
		}
		if c.resp.Status >= 400 {
			failure = fmt.Sprintf("%s answered %d %s", c.request["url"], c.resp.Status, http.StatusText(c.resp.Status))
			retryable = outbound.Retryable(nil, c.resp.Status)
		}
	}
	if failure == "" {
		return
	}
	retries := int32(webhookRetries)
	if fetch != nil {
		retries = fetch.GetMaxRetries()
	}
	if retryable && c.attempt <= retries {
		at := time.Now().Add(outbound.Backoff(int(c.attempt), x.e.opts.RetryBase, maxRetryBackoff))
		o.retryAt = &at
		return
	}
	if c.attempt > 1 {
		failure = fmt.Sprintf("%s (after %d attempts)", failure, c.attempt)
	}
	o.err = failure
	if x.graph.wired(node.GetId(), workflow.PortError) {
		o.status, o.port = domain.StepFailed, workflow.PortError
		return
	}
	o.fail = true
}

// mapResponse stores a fetch response in run variables: the status and
// headers under the response variable's prefix, and mapped JSON values.
func (x *execution) mapResponse(o *outcome, f *workflowv1.FetchApiNode, resp *outbound.Response) {
	prefix := f.GetResponseVariable()
	if prefix == "" {
		prefix = "response"
	}
	x.setVariable(prefix+".status", float64(resp.Status))
	n := 0
	for name, values := range resp.Header {
		if n == maxHeaderVariables || len(values) == 0 {
			continue
		}
		x.setVariable(prefix+".headers."+strings.ToLower(name), values[0])
		n++
	}
	if len(f.GetMappings()) == 0 {
		return
	}
	var body any
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		o.note("the response is not JSON, so no value was mapped")
		return
	}
	mapped := map[string]any{}
	for _, m := range f.GetMappings() {
		v, ok := outbound.Lookup(body, m.GetPath())
		if !ok {
			o.note(fmt.Sprintf("path %q is not in the response: %s was not set", m.GetPath(), m.GetVariable()))
			continue
		}
		v = scalar(v)
		x.setVariable(m.GetVariable(), v)
		mapped[m.GetVariable()] = v
	}
	o.set("mapped", mapped)
}

// scalar keeps strings, numbers and booleans, and turns objects, arrays
// and null into their JSON text, since variables are scalars.
func scalar(v any) any {
	switch v.(type) {
	case string, float64, bool:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// clip is a body as kept in a step record: at most recordedBodyBytes.
func clip(b []byte) string {
	if len(b) > recordedBodyBytes {
		return string(b[:recordedBodyBytes]) + "…"
	}
	return string(b)
}
