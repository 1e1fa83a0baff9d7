package workflow

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
	"github.com/parleyhq/parley/server/internal/domain"
)

// Problem codes. They are part of the API: editors and clients match on them,
// so a code keeps its meaning once released.
const (
	CodeTriggerMissing  = "trigger.missing"  // the graph has no trigger node
	CodeTriggerMultiple = "trigger.multiple" // on each trigger after the first

	CodeNodeIDInvalid   = "node.id_invalid"   // empty or not ^[A-Za-z0-9_-]{1,64}$
	CodeNodeDuplicateID = "node.duplicate_id" // on each node after the first with that id
	CodeNodeKindMissing = "node.kind_missing" // no config set: the node has no kind
	CodeNodeUnreachable = "node.unreachable"  // no path from the trigger

	CodeEdgeUnknownNode = "edge.unknown_node" // from_node or to_node names no node
	CodeEdgeUnknownPort = "edge.unknown_port" // from_port is not a port of from_node
	CodeEdgeDuplicate   = "edge.duplicate"    // same from, port and to as an earlier edge
	CodeEdgePortFanout  = "edge.port_fanout"  // the port already leads to another node
	CodeEdgeToTrigger   = "edge.to_trigger"   // an edge may not lead into a trigger

	CodePortUnwired = "port.unwired" // a required output port has no edge

	CodeConfigRequired  = "config.required"  // a required setting is empty or unspecified
	CodeConfigInvalid   = "config.invalid"   // a setting has a value it may not have
	CodeConfigName      = "config.name"      // a variable, key or skill name is malformed
	CodeConfigID        = "config.id"        // not operator_<uuid> / persona_<uuid>
	CodeConfigURL       = "config.url"       // not an http:// or https:// URL
	CodeConfigTemplate  = "config.template"  // a {{ tag }} does not parse
	CodeConfigRegex     = "config.regex"     // a regular expression does not compile
	CodeConfigDuration  = "config.duration"  // a duration is missing, not positive, unitless or too long
	CodeConfigNumber    = "config.number"    // a value that must be a number is not
	CodeConfigJSON      = "config.json"      // a JSON setting does not parse or has the wrong shape
	CodeConfigDuplicate = "config.duplicate" // two items that must differ are equal
	CodeConfigCount     = "config.count"     // too many or too few items
	CodeConfigRange     = "config.range"     // a number is out of its range

	CodeLoopTriggerAction      = "loop.trigger_action"      // the action would fire the workflow's own trigger
	CodeProgrammaticWaitsFirst = "programmatic.waits_first" // warning: a programmatic start first waits for the visitor
	CodeAIProviderMissing      = "ai.provider_missing"      // an AI step without a configured LLM provider
	CodeGraphCycleWithoutWait  = "graph.cycle_without_wait" // a loop with no waiting step on it
)

// Limits enforced by validation.
const (
	// MaxButtons is the most buttons a button picker shows.
	MaxButtons = 20
	// MaxDurationSeconds bounds delays, wait timeouts and cooldowns: 365 days.
	MaxDurationSeconds = 365 * 24 * 60 * 60
	maxFetchTimeoutMs  = 60000
	maxFetchRetries    = 10
)

// ValidateOptions carries the server facts that decide whether a graph can
// run here, as opposed to whether it is well formed.
type ValidateOptions struct {
	// AIConfigured is true when an LLM provider is configured; without one,
	// AI extraction and custom skill nodes are errors.
	AIConfigured bool
}

// Validate checks a workflow graph and returns every problem found, never
// stopping at the first. Problems are ordered by the position in g.Nodes of
// the node they concern (problems about the whole graph first, problems
// about edges between unknown nodes last), then by code, then in the order
// they were found; the result is the same for the same input. A nil or empty
// graph yields trigger.missing. Validate does not modify g, and the returned
// problems share no memory with it.
//
// Validate complements the buf.validate rules of graph.proto, which the API
// applies to requests: it does not repeat their length limits, but it does
// not rely on them either (ids, enum numbers and the counts it reasons about
// are re-checked), so it is safe on stored and binary-decoded graphs.
//
// Publishing must be refused while HasErrors(Validate(...)) is true.
func Validate(g *workflowv1.Graph, opts ValidateOptions) []*workflowv1.Problem {
	v := newValidator(g, opts)
	v.checkNodes()
	v.checkEdges()
	v.checkPorts()
	v.checkReachability()
	v.checkConfigs()
	v.checkLoopPairs()
	v.checkProgrammaticStart()
	v.checkCycles()
	return v.result()
}

// HasErrors reports whether any problem has severity ERROR.
func HasErrors(problems []*workflowv1.Problem) bool {
	return slices.ContainsFunc(problems, func(p *workflowv1.Problem) bool {
		return p.GetSeverity() == workflowv1.Severity_SEVERITY_ERROR
	})
}

// validator holds one Validate call's indexes of the graph and the problems
// found so far.
type validator struct {
	opts  ValidateOptions
	nodes []*workflowv1.Node
	edges []*workflowv1.Edge

	kinds    []protoreflect.Name // by node index: NodeKind, computed once
	byID     map[string]int      // node id -> index of its first node
	unnamed  []bool              // by node index: edges cannot name the node (no id, or not the first with it)
	triggers []int               // indexes of trigger nodes, in graph order

	// wired records, per node index and normalized port, the first target
	// the port was wired to. Edges to unknown nodes or into a trigger count:
	// their own problem is the one to fix, a second "unwired" would be noise.
	wired map[portKey]string
	// links are the edges between existing nodes through existing ports, in
	// edge order; they drive reachability, cycles and the programmatic check.
	links []link
	succ  [][]int // by node index: targets of links

	found []found
}

type portKey struct {
	node int
	port string
}

type link struct {
	from, to int
	port     string
}

// found is a problem with the sort key it was reported under.
type found struct {
	order int // node index; -1 for the whole graph
	p     *workflowv1.Problem
}

func newValidator(g *workflowv1.Graph, opts ValidateOptions) *validator {
	nodes := slices.Clone(g.GetNodes())
	for i, n := range nodes {
		if n == nil { // Go callers can build such a slice; treat it as an empty node.
			nodes[i] = &workflowv1.Node{}
		}
	}
	edges := slices.Clone(g.GetEdges())
	for i, e := range edges {
		if e == nil {
			edges[i] = &workflowv1.Edge{}
		}
	}
	kinds := make([]protoreflect.Name, len(nodes))
	for i, n := range nodes {
		kinds[i] = NodeKind(n)
	}
	return &validator{
		opts:    opts,
		nodes:   nodes,
		edges:   edges,
		kinds:   kinds,
		byID:    make(map[string]int, len(nodes)),
		unnamed: make([]bool, len(nodes)),
		wired:   make(map[portKey]string, len(edges)),
		succ:    make([][]int, len(nodes)),
	}
}

func (v *validator) result() []*workflowv1.Problem {
	slices.SortStableFunc(v.found, func(a, b found) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		return cmp.Compare(a.p.GetCode(), b.p.GetCode())
	})
	out := make([]*workflowv1.Problem, len(v.found))
	for i, f := range v.found {
		out[i] = f.p
	}
	return out
}

func (v *validator) add(order int, p *workflowv1.Problem) {
	v.found = append(v.found, found{order: order, p: p})
}

// graphError reports a problem that concerns no node.
func (v *validator) graphError(code, msg string) {
	v.add(-1, &workflowv1.Problem{Severity: workflowv1.Severity_SEVERITY_ERROR, Code: code, Message: msg})
}

// at returns the reporter for the node at index i.
func (v *validator) at(i int) reporter {
	return reporter{v: v, order: i, nodeID: v.nodes[i].GetId()}
}

// reporter files problems beside one node.
type reporter struct {
	v      *validator
	order  int
	nodeID string
}

func (r reporter) errorf(code, field, format string, args ...any) {
	r.report(workflowv1.Severity_SEVERITY_ERROR, code, field, fmt.Sprintf(format, args...))
}

func (r reporter) warnf(code, field, format string, args ...any) {
	r.report(workflowv1.Severity_SEVERITY_WARNING, code, field, fmt.Sprintf(format, args...))
}

func (r reporter) report(sev workflowv1.Severity, code, field, msg string) {
	r.v.add(r.order, &workflowv1.Problem{Severity: sev, Code: code, Message: msg, NodeId: r.nodeID, Field: field})
}

// --- Nodes, edges, ports ---

// checkNodes indexes nodes by id and reports malformed and duplicate ids,
// nodes without a kind, and the trigger count.
func (v *validator) checkNodes() {
	for i, n := range v.nodes {
		r := v.at(i)
		id := n.GetId()
		if !validNodeID(id) {
			r.errorf(CodeNodeIDInvalid, "id", "Give this step an id of 1 to 64 letters, digits, \"_\" or \"-\".")
		}
		// A malformed but non-empty id is still indexed, so that edges using
		// it are not also reported as dangling.
		switch {
		case id == "":
			v.unnamed[i] = true
		case hasKey(v.byID, id):
			v.unnamed[i] = true
			r.errorf(CodeNodeDuplicateID, "id", "Another step already has the id %q: give each step its own id.", id)
		default:
			v.byID[id] = i
		}
		if v.kinds[i] == "" {
			r.errorf(CodeNodeKindMissing, "", "This step has no type: choose a trigger, action or flow step, or delete it.")
			continue
		}
		if _, ok := triggerKinds[v.kinds[i]]; ok {
			v.triggers = append(v.triggers, i)
		}
	}
	switch len(v.triggers) {
	case 0:
		v.graphError(CodeTriggerMissing, "Add a trigger: every workflow starts with exactly one trigger.")
	case 1:
	default:
		first := v.nodes[v.triggers[0]].GetId()
		for _, i := range v.triggers[1:] {
			v.at(i).errorf(CodeTriggerMultiple, "", "A workflow has exactly one trigger and %q is already it: delete this trigger or make a separate workflow for it.", first)
		}
	}
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// validNodeID matches ^[A-Za-z0-9_-]{1,64}$, the id rule of graph.proto.
func validNodeID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// checkEdges reports edges that name unknown nodes or ports, repeat an
// earlier edge, fan one port out to several nodes or lead into a trigger,
// and records the rest as links.
func (v *validator) checkEdges() {
	type edgeKey struct {
		from int
		port string
		to   string
	}
	seen := make(map[edgeKey]bool, len(v.edges))
	for ei, e := range v.edges {
		from, fromOK := v.byID[e.GetFromNode()]
		to, toOK := v.byID[e.GetToNode()]
		r := v.edgeReporter(ei, e, from, fromOK, to, toOK)
		if !fromOK {
			r.errorf(CodeEdgeUnknownNode, "from_node", "%s: delete this connection or draw it again from an existing step.", missingNode("starts at", e.GetFromNode()))
		}
		if !toOK {
			r.errorf(CodeEdgeUnknownNode, "to_node", "%s: delete this connection or draw it again to an existing step.", missingNode("leads to", e.GetToNode()))
		}
		if !fromOK || v.kinds[from] == "" {
			// Without a kind the node has no ports; node.kind_missing says so.
			continue
		}
		port := NormalizePort(e.GetFromPort())
		if !hasOutputPort(v.kinds[from], v.nodes[from], port) {
			r.errorf(CodeEdgeUnknownPort, "from_port", "%s", unknownPortMessage(v.kinds[from], v.nodes[from], port))
			continue
		}
		key := edgeKey{from: from, port: port, to: e.GetToNode()}
		if seen[key] {
			r.errorf(CodeEdgeDuplicate, "", "This connection repeats an earlier one from output %q to %q: delete it.", port, e.GetToNode())
			continue
		}
		seen[key] = true
		pk := portKey{node: from, port: port}
		if prev, ok := v.wired[pk]; ok {
			r.errorf(CodeEdgePortFanout, "from_port", "Output %q already leads to %q: an output leads to one step, so delete one of the connections (use a decision to branch).", port, prev)
		} else {
			v.wired[pk] = e.GetToNode()
		}
		if !toOK {
			continue
		}
		if _, isTrigger := triggerKinds[v.kinds[to]]; isTrigger {
			r.errorf(CodeEdgeToTrigger, "to_node", "A trigger starts the workflow and cannot be the next step: connect output %q to another step.", port)
			continue
		}
		// Fanned-out edges still count as links: what the builder drew is
		// what reachability and cycle checks should see.
		v.links = append(v.links, link{from: from, to: to, port: port})
		v.succ[from] = append(v.succ[from], to)
	}
}

// edgeReporter files problems about edge ei beside its start node when that
// exists, else beside its end node, else after every node.
func (v *validator) edgeReporter(ei int, e *workflowv1.Edge, from int, fromOK bool, to int, toOK bool) edgeReporter {
	r := edgeReporter{v: v, edge: e}
	switch {
	case fromOK:
		r.order, r.nodeID = from, e.GetFromNode()
	case toOK:
		r.order, r.nodeID = to, e.GetToNode()
	default:
		r.order = len(v.nodes) + ei
	}
	return r
}

type edgeReporter struct {
	v      *validator
	order  int
	nodeID string
	edge   *workflowv1.Edge // the graph's own edge: copied into each problem
}

func (r edgeReporter) errorf(code, field, format string, args ...any) {
	e := r.edge
	r.v.add(r.order, &workflowv1.Problem{
		Severity: workflowv1.Severity_SEVERITY_ERROR, Code: code, Message: fmt.Sprintf(format, args...),
		NodeId: r.nodeID, Field: field,
		Edge: &workflowv1.Edge{FromNode: e.GetFromNode(), FromPort: e.GetFromPort(), ToNode: e.GetToNode()},
	})
}

func missingNode(verb, id string) string {
	if id == "" {
		return fmt.Sprintf("This connection %s no step", verb)
	}
	return fmt.Sprintf("This connection %s step %q, which does not exist", verb, id)
}

func unknownPortMessage(kind protoreflect.Name, n *workflowv1.Node, port string) string {
	ports := outputPorts(kind, n)
	if len(ports) == 0 {
		return "This step ends the run and has no outputs: delete this connection."
	}
	if kind == "button_picker" && strings.HasPrefix(port, ButtonPortPrefix) {
		return fmt.Sprintf("No button has the value %q: connect the output of an existing button, or delete this connection.",
			strings.TrimPrefix(port, ButtonPortPrefix))
	}
	names := make([]string, len(ports))
	for i, p := range ports {
		names[i] = strconv.Quote(p.Name)
	}
	return fmt.Sprintf("This step has no output %q (it has %s): connect one of those instead.", port, strings.Join(names, ", "))
}

// checkPorts reports required output ports without an edge.
func (v *validator) checkPorts() {
	for i, n := range v.nodes {
		if v.unnamed[i] {
			// No edge can leave it: edges naming its id leave the first node
			// with that id. node.id_invalid or node.duplicate_id says so.
			continue
		}
		wired := func(port string) bool { return hasKey(v.wired, portKey{node: i, port: port}) }
		for _, port := range unwiredPorts(v.kinds[i], n, wired) {
			v.at(i).errorf(CodePortUnwired, "port:"+port, "%s", unwiredMessage(v.kinds[i], port))
		}
	}
}

func unwiredMessage(kind protoreflect.Name, port string) string {
	const fix = "connect it to the next step or to an End node"
	switch {
	case port == PortTimeout:
		return fmt.Sprintf("Output %q is not connected: %s (it runs when nothing arrives in time).", port, fix)
	case port == PortNext && kind == "button_picker":
		return fmt.Sprintf("Output %q is not connected: %s, or connect the output of every button.", port, fix)
	default:
		return fmt.Sprintf("Output %q is not connected: %s.", port, fix)
	}
}

// checkReachability reports nodes no path from a trigger reaches. With no
// trigger it reports nothing: trigger.missing is the problem to fix first.
// Every trigger is a start, so a second trigger's nodes are not reported too.
func (v *validator) checkReachability() {
	if len(v.triggers) == 0 {
		return
	}
	reached := make([]bool, len(v.nodes))
	queue := slices.Clone(v.triggers)
	for _, t := range queue {
		reached[t] = true
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range v.succ[i] {
			if !reached[j] {
				reached[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i := range v.nodes {
		if reached[i] || v.unnamed[i] || v.kinds[i] == "" {
			continue
		}
		v.at(i).errorf(CodeNodeUnreachable, "", "No path from the trigger reaches this step: connect an earlier step to it, or delete it.")
	}
}

// --- Loops ---

// loopPredicate decides, from the trigger's and the action's config, whether
// an action would fire the trigger it runs under.
type loopPredicate func(trigger, action *workflowv1.Node) (loops bool, field string)

// loopPairs is the loop-prevention table of seed 004 ("a workflow triggered
// by Label Added won't let you add an Add Label action"): per trigger kind,
// the action kinds whose own effect is that trigger's event. A nil predicate
// means the pair always loops, whatever the configs; this mirrors the
// builder, which blocks the pair rather than reasoning about label values.
// Not listed on purpose: message_received (bot messages are not visitor
// messages), button/input answered (only the visitor answers), and new
// conversation/session and lead created (no action creates those). The
// runtime cause-depth guard still stops loops through other workflows.
var loopPairs = map[protoreflect.Name]map[protoreflect.Name]loopPredicate{
	"label_added":           {"add_label": nil, "ai_extraction": extractsLabels},
	"label_removed":         {"remove_label": nil},
	"conversation_starred":  {"star_conversation": nil},
	"conversation_resolved": {"resolve_conversation": nil},
	"conversation_opened":   {"open_conversation": nil},
	"segment_updated":       {"add_segment": nil, "remove_segment": nil},
	"custom_data_updated":   {"set_data": setsWatchedKey, "ai_extraction": extractsWatchedKey},
	"lead_stage_changed":    {"change_lead_stage": nil},
	"human_agent_assigned":  {"assign_user": nil},
	"ai_agent_assigned":     {"assign_ai": nil},
}

// extractsLabels: AI extraction adds the labels it picks to the session.
func extractsLabels(_, action *workflowv1.Node) (bool, string) {
	return len(action.GetAiExtraction().GetLabels()) > 0, "labels"
}

// setsWatchedKey: only session custom data emits the event, and only a key
// the trigger watches (every key when it names none).
func setsWatchedKey(trigger, action *workflowv1.Node) (bool, string) {
	sd := action.GetSetData()
	if sd.GetScope() != workflowv1.DataScope_DATA_SCOPE_SESSION {
		return false, ""
	}
	watched := trigger.GetCustomDataUpdated().GetKey()
	return watched == "" || watched == sd.GetKey(), "key"
}

// extractsWatchedKey: extracted fields are written to session custom data.
func extractsWatchedKey(trigger, action *workflowv1.Node) (bool, string) {
	watched := trigger.GetCustomDataUpdated().GetKey()
	for i, f := range action.GetAiExtraction().GetFields() {
		if watched == "" || watched == f.GetKey() {
			return true, fmt.Sprintf("fields[%d].key", i)
		}
	}
	return false, ""
}

// checkLoopPairs reports actions that would re-fire the workflow's trigger.
func (v *validator) checkLoopPairs() {
	if len(v.triggers) == 0 {
		return
	}
	trigger := v.nodes[v.triggers[0]]
	pairs := loopPairs[v.kinds[v.triggers[0]]]
	if pairs == nil {
		return
	}
	for i, n := range v.nodes {
		pred, listed := pairs[v.kinds[i]]
		if !listed {
			continue
		}
		field := ""
		if pred != nil {
			var loops bool
			if loops, field = pred(trigger, n); !loops {
				continue
			}
		}
		v.at(i).errorf(CodeLoopTriggerAction, field,
			"This step would fire this workflow's own %s trigger again and loop: remove it, or move it to a workflow with another trigger.",
			kindTitle(v.kinds[v.triggers[0]]))
	}
}

// kindTitle turns "label_added" into "label added" for messages.
func kindTitle(k protoreflect.Name) string { return strings.ReplaceAll(string(k), "_", " ") }

// checkProgrammaticStart warns when a programmatic workflow's first step
// waits for a visitor message (seed 000 FAQ): a start from code usually has
// no pending visitor message, so the run would sit waiting at once.
func (v *validator) checkProgrammaticStart() {
	if len(v.triggers) == 0 || v.kinds[v.triggers[0]] != "programmatic" {
		return
	}
	for _, l := range v.links {
		if l.from != v.triggers[0] || l.port != PortNext {
			continue
		}
		if v.nodes[l.to].GetWaitForEvent().GetEvent() == workflowv1.WaitEvent_WAIT_EVENT_VISITOR_MESSAGE {
			v.at(l.to).warnf(CodeProgrammaticWaitsFirst, "event",
				"A programmatic start will wait for a visitor message right away: begin with an action such as a message, button picker or field input.")
		}
	}
}

// --- Cycles ---

// waitingKinds suspend a run until time passes or the visitor acts, so a
// loop through one of them is a retry loop, not an infinite one.
var waitingKinds = map[protoreflect.Name]bool{
	"delay": true, "wait_for_event": true, "button_picker": true, "field_input": true,
}

// checkCycles reports each loop made only of non-waiting steps, which one
// run would go round forever. Such loops are exactly the strongly connected
// components (with more than one node, or a self-edge) of the graph without
// waiting nodes; each is reported once, on its first node in graph order.
func (v *validator) checkCycles() {
	t := tarjan{
		v:     v,
		index: make([]int, len(v.nodes)),
		low:   make([]int, len(v.nodes)),
		on:    make([]bool, len(v.nodes)),
	}
	for i := range v.nodes {
		if t.index[i] == 0 && !waitingKinds[v.kinds[i]] {
			t.visit(i)
		}
	}
}

// tarjan finds strongly connected components; index and low are 1-based so
// that 0 means unvisited.
type tarjan struct {
	v          *validator
	index, low []int
	on         []bool
	stack      []int
	next       int
}

func (t *tarjan) visit(i int) {
	t.next++
	t.index[i], t.low[i] = t.next, t.next
	t.stack = append(t.stack, i)
	t.on[i] = true
	selfLoop := false
	for _, j := range t.v.succ[i] {
		switch {
		case waitingKinds[t.v.kinds[j]]:
			continue
		case j == i:
			selfLoop = true
		case t.index[j] == 0:
			t.visit(j)
			t.low[i] = min(t.low[i], t.low[j])
		case t.on[j]:
			t.low[i] = min(t.low[i], t.index[j])
		}
	}
	if t.low[i] != t.index[i] {
		return
	}
	var comp []int
	for {
		j := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.on[j] = false
		comp = append(comp, j)
		if j == i {
			break
		}
	}
	if len(comp) > 1 || selfLoop {
		t.v.reportCycle(comp)
	}
}

func (v *validator) reportCycle(comp []int) {
	slices.Sort(comp)
	if len(comp) == 1 {
		v.at(comp[0]).errorf(CodeGraphCycleWithoutWait, "",
			"This step leads back to itself with no wait in between, so a run would repeat it forever: add a Delay, Wait for event, Button picker or Field input to the loop, or break it.")
		return
	}
	ids := make([]string, 0, min(len(comp), 6))
	for _, i := range comp[:min(len(comp), 5)] {
		ids = append(ids, strconv.Quote(v.nodes[i].GetId()))
	}
	if len(comp) > 5 {
		ids = append(ids, "…")
	}
	v.at(comp[0]).errorf(CodeGraphCycleWithoutWait, "",
		"Steps %s form a loop with no wait on it, so a run would go round forever: add a Delay, Wait for event, Button picker or Field input to the loop, or break it.",
		strings.Join(ids, ", "))
}

// --- Node configuration ---

// checkConfigs checks the settings of every node against its kind.
func (v *validator) checkConfigs() {
	for i, n := range v.nodes {
		checkConfig(v.at(i), n, v.opts)
	}
}

func checkConfig(r reporter, n *workflowv1.Node, opts ValidateOptions) {
	switch n.GetConfig().(type) {
	// Triggers; those without settings need no case.
	case *workflowv1.Node_MessageReceived:
		checkMessageReceived(r, n.GetMessageReceived())
	case *workflowv1.Node_AiAgentAssigned:
		checkOptionalID(r, "persona_id", domain.PrefixPersona, n.GetAiAgentAssigned().GetPersonaId())
	case *workflowv1.Node_HumanAgentAssigned:
		checkOptionalID(r, "operator_id", domain.PrefixOperator, n.GetHumanAgentAssigned().GetOperatorId())
	case *workflowv1.Node_LabelAdded:
		checkItems(r, "labels", n.GetLabelAdded().GetLabels(), "label")
	case *workflowv1.Node_LabelRemoved:
		checkItems(r, "labels", n.GetLabelRemoved().GetLabels(), "label")
	case *workflowv1.Node_SegmentUpdated:
		checkItems(r, "segments", n.GetSegmentUpdated().GetSegments(), "segment")
	case *workflowv1.Node_CustomDataUpdated:
		checkOptionalName(r, "key", n.GetCustomDataUpdated().GetKey())

	// Actions.
	case *workflowv1.Node_SendMessage:
		checkText(r, "text", n.GetSendMessage().GetText(), "Write the message to send.")
	case *workflowv1.Node_ButtonPicker:
		checkButtonPicker(r, n.GetButtonPicker())
	case *workflowv1.Node_FieldInput:
		checkFieldInput(r, n.GetFieldInput())
	case *workflowv1.Node_PrivateNote:
		checkText(r, "text", n.GetPrivateNote().GetText(), "Write the note for your team.")
	case *workflowv1.Node_SetData:
		checkSetData(r, n.GetSetData())
	case *workflowv1.Node_AddLabel:
		checkRequiredItems(r, "labels", n.GetAddLabel().GetLabels(), "label", "Choose at least one label to add.")
	case *workflowv1.Node_RemoveLabel:
		checkRequiredItems(r, "labels", n.GetRemoveLabel().GetLabels(), "label", "Choose at least one label to remove.")
	case *workflowv1.Node_AddSegment:
		checkRequiredItems(r, "segments", n.GetAddSegment().GetSegments(), "segment", "Choose at least one segment to add.")
	case *workflowv1.Node_RemoveSegment:
		checkRequiredItems(r, "segments", n.GetRemoveSegment().GetSegments(), "segment", "Choose at least one segment to remove.")
	case *workflowv1.Node_AssignUser:
		checkAssignUser(r, n.GetAssignUser())
	case *workflowv1.Node_AssignAi:
		checkRequiredID(r, "persona_id", domain.PrefixPersona, n.GetAssignAi().GetPersonaId(), "Choose the AI persona to assign.")
	case *workflowv1.Node_StartAgent:
		checkTemplate(r, "instruction", n.GetStartAgent().GetInstruction())
	case *workflowv1.Node_ChangeLeadStage:
		checkChangeLeadStage(r, n.GetChangeLeadStage())
	case *workflowv1.Node_SendNotification:
		checkSendNotification(r, n.GetSendNotification())
	case *workflowv1.Node_SendWebhook:
		checkSendWebhook(r, n.GetSendWebhook())
	case *workflowv1.Node_AiExtraction:
		checkAIProvider(r, opts, "AI extraction")
		checkAIExtraction(r, n.GetAiExtraction())
	case *workflowv1.Node_CustomSkill:
		checkAIProvider(r, opts, "A custom skill")
		checkCustomSkill(r, n.GetCustomSkill())

	// Flow control and integration.
	case *workflowv1.Node_Decision:
		checkDecision(r, n.GetDecision())
	case *workflowv1.Node_Delay:
		checkDuration(r, "duration", n.GetDelay().GetDuration(), true, "delay")
	case *workflowv1.Node_WaitForEvent:
		checkWaitForEvent(r, n.GetWaitForEvent())
	case *workflowv1.Node_StopWorkflow:
		checkDuration(r, "cooldown", n.GetStopWorkflow().GetCooldown(), false, "cooldown")
	case *workflowv1.Node_FetchApi:
		checkFetchAPI(r, n.GetFetchApi())
	}
}

// textOperators are the operators a message-received match may use.
var textOperators = map[workflowv1.Operator]bool{
	workflowv1.Operator_OPERATOR_EQUALS:        true,
	workflowv1.Operator_OPERATOR_NOT_EQUALS:    true,
	workflowv1.Operator_OPERATOR_CONTAINS:      true,
	workflowv1.Operator_OPERATOR_NOT_CONTAINS:  true,
	workflowv1.Operator_OPERATOR_STARTS_WITH:   true,
	workflowv1.Operator_OPERATOR_ENDS_WITH:     true,
	workflowv1.Operator_OPERATOR_MATCHES_REGEX: true,
}

// checkMessageReceived checks the optional match. A match that is present
// is taken as meant, even when empty: the builder removes it to fire on
// every message. Trigger matches are not templates.
func checkMessageReceived(r reporter, t *workflowv1.MessageReceivedTrigger) {
	m := t.GetMatch()
	if m == nil {
		return
	}
	op := m.GetOperator()
	switch {
	case op == workflowv1.Operator_OPERATOR_UNSPECIFIED:
		r.errorf(CodeConfigRequired, "match.operator", "Choose how the message text is matched, or remove the match to fire on every message.")
	case !textOperators[op]:
		r.errorf(CodeConfigInvalid, "match.operator", "A message match can only use equals, not equals, contains, not contains, starts with, ends with or matches regex.")
	}
	switch {
	case strings.TrimSpace(m.GetValue()) == "":
		r.errorf(CodeConfigRequired, "match.value", "Enter the text to match.")
	case op == workflowv1.Operator_OPERATOR_MATCHES_REGEX:
		checkRegex(r, "match.value", m.GetValue())
	}
}

func checkButtonPicker(r reporter, a *workflowv1.ButtonPickerAction) {
	checkText(r, "text", a.GetText(), "Write the question shown above the buttons.")
	buttons := a.GetButtons()
	switch {
	case len(buttons) == 0:
		r.errorf(CodeConfigRequired, "buttons", "Add at least one button.")
	case len(buttons) > MaxButtons:
		r.errorf(CodeConfigCount, "buttons", "A button picker shows at most %d buttons: remove %d.", MaxButtons, len(buttons)-MaxButtons)
	}
	seen := make(map[string]bool, len(buttons))
	for i, b := range buttons {
		label := fmt.Sprintf("buttons[%d].label", i)
		if strings.TrimSpace(b.GetLabel()) == "" {
			r.errorf(CodeConfigRequired, label, "Give button %d a label.", i+1)
		} else {
			checkTemplate(r, label, b.GetLabel())
		}
		value := fmt.Sprintf("buttons[%d].value", i)
		switch v := b.GetValue(); {
		case v == "":
			r.errorf(CodeConfigRequired, value, "Give button %d a value: it is stored when the visitor picks it and names its output.", i+1)
		case seen[v]:
			r.errorf(CodeConfigDuplicate, value, "Another button already has the value %q: give each button its own value.", v)
		default:
			seen[v] = true
		}
	}
	checkOptionalName(r, "variable", a.GetVariable())
}

func checkFieldInput(r reporter, a *workflowv1.FieldInputAction) {
	checkText(r, "text", a.GetText(), "Write the question that asks for the value.")
	checkRequiredName(r, "variable", a.GetVariable(), "Name the variable that receives the answer.")
	checkEnum(r, "kind", a.GetKind(), true)
}

func checkSetData(r reporter, a *workflowv1.SetDataAction) {
	checkRequiredName(r, "key", a.GetKey(), "Name the key to set.")
	switch a.GetScope() {
	case workflowv1.DataScope_DATA_SCOPE_UNSPECIFIED:
		r.errorf(CodeConfigRequired, "scope", "Choose where to store the value: the conversation's custom data or a run variable.")
	default:
		checkEnum(r, "scope", a.GetScope(), false)
	}
	checkEnum(r, "value_type", a.GetValueType(), true)
	parts, ok := checkTemplate(r, "value", a.GetValue())
	if !ok || hasTags(parts) {
		return // only a literal value can be checked before the run
	}
	value := strings.TrimSpace(a.GetValue())
	switch a.GetValueType() {
	case workflowv1.ValueType_VALUE_TYPE_NUMBER:
		if !isNumber(value) {
			r.errorf(CodeConfigNumber, "value", "The value is stored as a number: enter a number such as 42 or 3.5, or a {{ tag }}.")
		}
	case workflowv1.ValueType_VALUE_TYPE_BOOL:
		if value != "true" && value != "false" {
			r.errorf(CodeConfigInvalid, "value", "The value is stored as a yes/no value: enter true or false, or a {{ tag }}.")
		}
	}
}

func checkAssignUser(r reporter, a *workflowv1.AssignUserAction) {
	switch a.GetMode() {
	case workflowv1.AssignMode_ASSIGN_MODE_UNSPECIFIED:
		r.errorf(CodeConfigRequired, "mode", "Choose how to pick the team member: a specific one, round robin or the last one who replied.")
	case workflowv1.AssignMode_ASSIGN_MODE_SPECIFIC:
		checkRequiredID(r, "operator_id", domain.PrefixOperator, a.GetOperatorId(), "Choose the team member to assign.")
	default:
		checkEnum(r, "mode", a.GetMode(), false)
	}
}

func checkChangeLeadStage(r reporter, a *workflowv1.ChangeLeadStageAction) {
	if strings.TrimSpace(a.GetStage()) == "" {
		r.errorf(CodeConfigRequired, "stage", "Choose the lead stage to move to.")
	}
	if a.GetExpectedAmountMinor() < 0 {
		r.errorf(CodeConfigRange, "expected_amount_minor", "The expected amount cannot be negative; leave it at 0 to keep the current one.")
	}
}

func checkSendNotification(r reporter, a *workflowv1.SendNotificationAction) {
	if strings.TrimSpace(a.GetTitle()) == "" && strings.TrimSpace(a.GetBody()) == "" {
		r.errorf(CodeConfigRequired, "title", "Give the notification a title or a body.")
	}
	checkTemplate(r, "title", a.GetTitle())
	checkTemplate(r, "body", a.GetBody())
	for i, id := range a.GetOperatorIds() {
		checkRequiredID(r, fmt.Sprintf("operator_ids[%d]", i), domain.PrefixOperator, id, "Choose a team member or remove this empty entry.")
	}
}

func checkSendWebhook(r reporter, a *workflowv1.SendWebhookAction) {
	checkURL(r, "url", a.GetUrl(), true)
	checkHeaders(r, a.GetHeaders())
	checkBodyTemplate(r, "body", a.GetBody())
}

func checkFetchAPI(r reporter, a *workflowv1.FetchApiNode) {
	if a.GetMethod() == workflowv1.HttpMethod_HTTP_METHOD_UNSPECIFIED {
		r.errorf(CodeConfigRequired, "method", "Choose the HTTP method: GET, POST, PUT, PATCH or DELETE.")
	} else {
		checkEnum(r, "method", a.GetMethod(), false)
	}
	checkURL(r, "url", a.GetUrl(), true)
	checkHeaders(r, a.GetHeaders())
	checkBodyTemplate(r, "body", a.GetBody())
	if t := a.GetTimeoutMs(); t < 0 || t > maxFetchTimeoutMs {
		r.errorf(CodeConfigRange, "timeout_ms", "Set a timeout between 1 and %d ms, or 0 for the default of 10 s.", maxFetchTimeoutMs)
	}
	if n := a.GetMaxRetries(); n < 0 || n > maxFetchRetries {
		r.errorf(CodeConfigRange, "max_retries", "Set between 0 and %d retries.", maxFetchRetries)
	}
	checkOptionalName(r, "response_variable", a.GetResponseVariable())
	for i, m := range a.GetMappings() {
		if strings.TrimSpace(m.GetPath()) == "" {
			r.errorf(CodeConfigRequired, fmt.Sprintf("mappings[%d].path", i), "Enter the path of the response value, e.g. data.customer.plan.")
		}
		checkRequiredName(r, fmt.Sprintf("mappings[%d].variable", i), m.GetVariable(), "Name the variable that receives the value.")
	}
}

func checkHeaders(r reporter, headers []*workflowv1.Header) {
	for i, h := range headers {
		name := fmt.Sprintf("headers[%d].name", i)
		switch {
		case h.GetName() == "":
			r.errorf(CodeConfigRequired, name, "Give header %d a name, or remove it.", i+1)
		case !isHeaderName(h.GetName()):
			r.errorf(CodeConfigInvalid, name, "%q is not a valid header name: use letters, digits and - (e.g. X-Api-Key).", h.GetName())
		}
		value := fmt.Sprintf("headers[%d].value", i)
		if strings.ContainsAny(h.GetValue(), "\r\n") {
			r.errorf(CodeConfigInvalid, value, "A header value must fit on one line: remove the line breaks.")
		}
		checkTemplate(r, value, h.GetValue())
	}
}

func checkAIProvider(r reporter, opts ValidateOptions, what string) {
	if !opts.AIConfigured {
		r.errorf(CodeAIProviderMissing, "", "%s needs an LLM provider, and this server has none: configure one (PARLEY_LLM_BASE_URL and its API key) or remove this step.", what)
	}
}

func checkAIExtraction(r reporter, a *workflowv1.AiExtractionAction) {
	if len(a.GetLabels()) == 0 && a.GetSentimentVariable() == "" && len(a.GetFields()) == 0 {
		r.errorf(CodeConfigRequired, "labels", "Choose what to extract: labels, a sentiment variable or custom fields.")
	}
	checkItems(r, "labels", a.GetLabels(), "label")
	checkOptionalName(r, "sentiment_variable", a.GetSentimentVariable())
	for i, f := range a.GetFields() {
		checkRequiredName(r, fmt.Sprintf("fields[%d].key", i), f.GetKey(), "Name the custom data key that receives the value.")
		checkEnum(r, fmt.Sprintf("fields[%d].type", i), f.GetType(), true)
	}
}

func checkCustomSkill(r reporter, a *workflowv1.CustomSkillAction) {
	switch name := a.GetName(); {
	case name == "":
		r.errorf(CodeConfigRequired, "name", "Name the skill; the AI model sees this name.")
	case !isToolName(name):
		r.errorf(CodeConfigName, "name", "A skill name has 1 to 64 letters, digits, \"_\" or \"-\" (LLM providers require it): rename %q.", name)
	}
	checkURL(r, "url", a.GetUrl(), false)
	checkJSONSchema(r, "input_schema", a.GetInputSchema())
	checkOptionalName(r, "output_variable", a.GetOutputVariable())
}

// checkJSONSchema requires a JSON object whose "type", when given, is
// "object": tool arguments are always an object.
func checkJSONSchema(r reporter, field, s string) {
	if strings.TrimSpace(s) == "" {
		r.errorf(CodeConfigRequired, field, "Describe the skill's arguments as a JSON Schema object, e.g. {\"type\": \"object\", \"properties\": {}}.")
		return
	}
	var schema map[string]any
	if err := json.Unmarshal([]byte(s), &schema); err != nil || schema == nil {
		r.errorf(CodeConfigJSON, field, "The input schema must be a JSON object: fix the JSON, e.g. {\"type\": \"object\", \"properties\": {}}.")
		return
	}
	if t, ok := schema["type"]; ok && t != "object" {
		r.errorf(CodeConfigJSON, field, "The input schema must describe an object: set \"type\" to \"object\".")
	}
	if p, ok := schema["properties"]; ok {
		if _, isObject := p.(map[string]any); !isObject {
			r.errorf(CodeConfigJSON, field, "The schema's \"properties\" must be a JSON object.")
		}
	}
}

func checkDecision(r reporter, d *workflowv1.DecisionNode) {
	if d.GetMatch() == workflowv1.Match_MATCH_UNSPECIFIED {
		r.errorf(CodeConfigRequired, "match", "Choose whether all conditions must hold (AND) or any one of them (OR).")
	} else {
		checkEnum(r, "match", d.GetMatch(), false)
	}
	if len(d.GetConditions()) == 0 {
		r.errorf(CodeConfigRequired, "conditions", "Add at least one condition.")
	}
	for i, c := range d.GetConditions() {
		checkCondition(r, fmt.Sprintf("conditions[%d]", i), c)
	}
}

// operandCount is how many values an operator compares with.
type operandCount int

const (
	operandsNone operandCount = iota // is set, is not set
	operandsOne                      // comparisons
	operandsMany                     // contains any / all / none
)

func operandsOf(op workflowv1.Operator) operandCount {
	switch op {
	case workflowv1.Operator_OPERATOR_IS_SET, workflowv1.Operator_OPERATOR_IS_NOT_SET:
		return operandsNone
	case workflowv1.Operator_OPERATOR_CONTAINS_ANY, workflowv1.Operator_OPERATOR_CONTAINS_ALL, workflowv1.Operator_OPERATOR_CONTAINS_NONE:
		return operandsMany
	default:
		return operandsOne
	}
}

func isNumericOperator(op workflowv1.Operator) bool {
	switch op {
	case workflowv1.Operator_OPERATOR_GREATER_THAN, workflowv1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL,
		workflowv1.Operator_OPERATOR_LESS_THAN, workflowv1.Operator_OPERATOR_LESS_THAN_OR_EQUAL:
		return true
	}
	return false
}

func checkCondition(r reporter, at string, c *workflowv1.Condition) {
	field := c.GetField()
	if field == workflowv1.ConditionField_CONDITION_FIELD_UNSPECIFIED {
		r.errorf(CodeConfigRequired, at+".field", "Choose what this condition checks.")
	} else {
		checkEnum(r, at+".field", field, false)
	}
	switch field {
	case workflowv1.ConditionField_CONDITION_FIELD_CUSTOM_DATA:
		checkRequiredName(r, at+".key", c.GetKey(), "Name the custom data key to check.")
	case workflowv1.ConditionField_CONDITION_FIELD_VARIABLE:
		checkRequiredName(r, at+".key", c.GetKey(), "Name the variable to check.")
	}
	op := c.GetOperator()
	if op == workflowv1.Operator_OPERATOR_UNSPECIFIED {
		r.errorf(CodeConfigRequired, at+".operator", "Choose the comparison, e.g. equals or contains.")
		return // the values cannot be judged without it
	}
	if !checkEnum(r, at+".operator", op, false) {
		return
	}
	checkOperands(r, at, op, c.GetValues())
	for i, value := range c.GetValues() {
		checkOperand(r, fmt.Sprintf("%s.values[%d]", at, i), op, value)
	}
}

// checkOperands checks the number of values against the operator.
func checkOperands(r reporter, at string, op workflowv1.Operator, values []string) {
	switch operandsOf(op) {
	case operandsNone:
		if len(values) > 0 {
			r.errorf(CodeConfigCount, at+".values", "\"Is set\" and \"is not set\" compare with nothing: remove the values.")
		}
	case operandsOne:
		switch {
		case len(values) == 0:
			r.errorf(CodeConfigRequired, at+".values", "Enter the value to compare with.")
		case len(values) > 1:
			r.errorf(CodeConfigCount, at+".values", "This comparison takes one value: keep one, or use contains any / all / none for a list.")
		}
	case operandsMany:
		if len(values) == 0 {
			r.errorf(CodeConfigRequired, at+".values", "Enter at least one value.")
		}
	}
}

// checkOperand checks one value: present, a valid template and, when it has
// no tags, a number for numeric operators and a compiling regexp for
// matches-regex. Templated values can only be checked when the run renders
// them.
func checkOperand(r reporter, field string, op workflowv1.Operator, value string) {
	if operandsOf(op) == operandsNone {
		return // reported as a whole by checkOperands
	}
	if strings.TrimSpace(value) == "" {
		r.errorf(CodeConfigRequired, field, "Enter a value (to test for an empty value, use \"is not set\").")
		return
	}
	parts, ok := checkTemplate(r, field, value)
	if !ok || hasTags(parts) {
		return
	}
	switch {
	case isNumericOperator(op) && !isNumber(strings.TrimSpace(value)):
		r.errorf(CodeConfigNumber, field, "Greater/less than compares numbers: enter a number such as 10 or 2.5, or a {{ tag }}.")
	case op == workflowv1.Operator_OPERATOR_MATCHES_REGEX:
		checkRegex(r, field, value)
	}
}

func checkWaitForEvent(r reporter, w *workflowv1.WaitForEventNode) {
	if w.GetEvent() == workflowv1.WaitEvent_WAIT_EVENT_UNSPECIFIED {
		r.errorf(CodeConfigRequired, "event", "Choose what to wait for: a visitor message, a button click or an input answer.")
	} else {
		checkEnum(r, "event", w.GetEvent(), false)
	}
	checkDuration(r, "timeout", w.GetTimeout(), true, "timeout")
	checkOptionalName(r, "variable", w.GetVariable())
}

// DurationOf is the length of a duration as a builder entered it; 0 for a
// nil duration or an unknown unit (which validation reports).
func DurationOf(d *workflowv1.Duration) time.Duration {
	return time.Duration(int64(d.GetAmount())*unitSeconds[d.GetUnit()]) * time.Second
}

// unitSeconds is the length of each time unit.
var unitSeconds = map[workflowv1.TimeUnit]int64{
	workflowv1.TimeUnit_TIME_UNIT_SECONDS: 1,
	workflowv1.TimeUnit_TIME_UNIT_MINUTES: 60,
	workflowv1.TimeUnit_TIME_UNIT_HOURS:   60 * 60,
	workflowv1.TimeUnit_TIME_UNIT_DAYS:    24 * 60 * 60,
}

// checkDuration checks a delay, timeout (positive: an amount above 0 is
// required) or cooldown (not positive: nil or 0 means none). A unit is
// required whenever the amount is above 0; the total may not pass 365 days.
func checkDuration(r reporter, field string, d *workflowv1.Duration, positive bool, what string) {
	if d == nil {
		if positive {
			r.errorf(CodeConfigDuration, field, "Set the %s: an amount and a unit (minutes, hours or days).", what)
		}
		return
	}
	amount := d.GetAmount()
	switch {
	case amount < 0:
		r.errorf(CodeConfigDuration, field+".amount", "The %s cannot be negative.", what)
		return
	case amount == 0 && positive:
		r.errorf(CodeConfigDuration, field+".amount", "Set a %s longer than 0.", what)
	case amount == 0:
		return // no cooldown; the unit does not matter
	}
	per, known := unitSeconds[d.GetUnit()]
	if !known {
		r.errorf(CodeConfigDuration, field+".unit", "Choose the unit of the %s: seconds, minutes, hours or days.", what)
		return
	}
	if int64(amount)*per > MaxDurationSeconds {
		r.errorf(CodeConfigDuration, field, "The %s can be at most 365 days: shorten it.", what)
	}
}

// --- Field helpers ---

// checkText requires non-blank text and checks its tags.
func checkText(r reporter, field, s, missing string) {
	if strings.TrimSpace(s) == "" {
		r.errorf(CodeConfigRequired, field, "%s", missing)
		return
	}
	checkTemplate(r, field, s)
}

// checkTemplate reports a text whose {{ tags }} do not parse and returns its
// parts and whether it parsed.
func checkTemplate(r reporter, field, s string) ([]TemplatePart, bool) {
	parts, err := ParseTemplate(s)
	if err != nil {
		r.errorf(CodeConfigTemplate, field, "%s. Tags look like {{ name }}.", templateErrorText(err))
		return nil, false
	}
	return parts, true
}

// checkBodyTemplate is checkTemplate for request bodies, which may be JSON
// whose nested objects end in "}}".
func checkBodyTemplate(r reporter, field, s string) {
	if _, err := ParseBodyTemplate(s); err != nil {
		r.errorf(CodeConfigTemplate, field, "%s. Tags look like {{ name }}.", templateErrorText(err))
	}
}

func templateErrorText(err error) string {
	if te, ok := err.(*TemplateError); ok {
		return upperFirst(te.Reason) + fmt.Sprintf(" (at character %d)", te.Pos)
	}
	return err.Error()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func hasTags(parts []TemplatePart) bool {
	return slices.ContainsFunc(parts, func(p TemplatePart) bool { return p.Key != "" })
}

// checkURL requires an absolute http:// or https:// URL. A templated URL
// (templated is true for fields rendered at run time) must still start with
// the literal scheme; what its tags render to is checked, with the SSRF
// rules, when the run makes the call.
func checkURL(r reporter, field, s string, templated bool) {
	if strings.TrimSpace(s) == "" {
		r.errorf(CodeConfigRequired, field, "Enter the URL to call, starting with https:// or http://.")
		return
	}
	if templated {
		parts, ok := checkTemplate(r, field, s)
		if !ok {
			return
		}
		if hasTags(parts) {
			// parts[0] is a tag when the URL starts with one.
			if !hasHTTPScheme(parts[0].Literal) {
				r.errorf(CodeConfigURL, field, "The URL must start with https:// or http:// written out, before any {{ tag }}.")
			}
			return
		}
	}
	if !isHTTPURL(s) {
		r.errorf(CodeConfigURL, field, "Enter a full URL starting with https:// or http://, e.g. https://api.example.com/orders.")
	}
}

func checkRegex(r reporter, field, pattern string) {
	if _, err := regexp.Compile(pattern); err != nil {
		reason := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			reason = fmt.Sprintf("%s in %q", se.Code, se.Expr)
		}
		r.errorf(CodeConfigRegex, field, "The regular expression does not compile (%s): fix it.", reason)
	}
}

// checkEnum reports an enum number the proto does not define (possible in
// binary input) and returns whether e is usable: defined, and not
// unspecified unless unspecifiedOK.
func checkEnum(r reporter, field string, e protoreflect.Enum, unspecifiedOK bool) bool {
	if e.Number() == 0 {
		return unspecifiedOK
	}
	if e.Descriptor().Values().ByNumber(e.Number()) == nil {
		r.errorf(CodeConfigInvalid, field, "Unknown value %d: choose one of the listed options.", e.Number())
		return false
	}
	return true
}

func checkItems(r reporter, field string, items []string, noun string) {
	for i, s := range items {
		if strings.TrimSpace(s) == "" {
			r.errorf(CodeConfigRequired, fmt.Sprintf("%s[%d]", field, i), "Choose a %s or remove this empty entry.", noun)
		}
	}
}

func checkRequiredItems(r reporter, field string, items []string, noun, missing string) {
	if len(items) == 0 {
		r.errorf(CodeConfigRequired, field, "%s", missing)
		return
	}
	checkItems(r, field, items, noun)
}

func checkOptionalName(r reporter, field, name string) {
	if name != "" && !ValidName(name) {
		r.errorf(CodeConfigName, field, "%q is not a valid name: start with a letter or _, then use letters, digits, _, . or -.", name)
	}
}

func checkRequiredName(r reporter, field, name, missing string) {
	if name == "" {
		r.errorf(CodeConfigRequired, field, "%s", missing)
		return
	}
	checkOptionalName(r, field, name)
}

func checkOptionalID(r reporter, field string, p domain.Prefix, id string) {
	if id == "" {
		return
	}
	if _, err := p.Parse(field, id); err != nil {
		r.errorf(CodeConfigID, field, "%q is not a valid id: it must look like %s<uuid>.", id, p)
	}
}

func checkRequiredID(r reporter, field string, p domain.Prefix, id, missing string) {
	if id == "" {
		r.errorf(CodeConfigRequired, field, "%s", missing)
		return
	}
	checkOptionalID(r, field, p, id)
}

// --- Lexical helpers ---

// ValidName reports whether s is a valid variable, custom data key or tag
// key: ^[A-Za-z_][A-Za-z0-9_.-]*$.
func ValidName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isNameStart(c) && !isDigit(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool     { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isToolName matches ^[A-Za-z0-9_-]{1,64}$, the function-name rule of the
// OpenAI-compatible tool APIs.
func isToolName(s string) bool { return validNodeID(s) }

// isHeaderName reports whether s is an HTTP token (RFC 9110 tchar).
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// isNumber accepts decimal numbers as a builder types them; not NaN or Inf.
func isNumber(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func schemeOf(s string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return s[:len(scheme)]
		}
	}
	return ""
}

func hasHTTPScheme(s string) bool { return schemeOf(s) != "" }

// isHTTPURL reports whether s is an absolute http(s) URL with a host and no
// spaces or control characters.
func isHTTPURL(s string) bool {
	scheme := schemeOf(s)
	if scheme == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	rest := s[len(scheme):]
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	return host != "" && host[0] != ':'
}

// --- Templates ---

// TemplatePart is one piece of a parsed template: literal text to copy, or a
// tag whose value replaces it. Exactly one of Literal and Key is set.
type TemplatePart struct {
	Literal string
	Key     string
}

// TemplateError says why a template does not parse.
type TemplateError struct {
	Offset int    // byte offset of the problem in the template
	Pos    int    // the same position counted in characters, from 1
	Reason string // e.g. `"{{" is never closed by "}}"`
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("template: %s at character %d", e.Reason, e.Pos)
}

// ParseTemplate splits s into literal text and {{ key }} tags. A tag is
// "{{", optional spaces or tabs, a key matching ^[A-Za-z_][A-Za-z0-9_.-]*$,
// optional spaces or tabs, "}}". A "{{" without its "}}", a "}}" outside a
// tag, an empty tag and a malformed key are errors (*TemplateError). There
// is no escape: text may not contain a literal "{{". Adjacent literal text
// is one part; "" parses to no parts.
//
// The engine renders every templated field with this parser (request bodies
// with ParseBodyTemplate), so a text that validates renders as validated.
// It runs in one pass without regular expressions.
func ParseTemplate(s string) ([]TemplatePart, error) { return parseTemplate(s, false) }

// ParseBodyTemplate is ParseTemplate for HTTP request bodies (fetch API and
// webhook bodies): a "}}" outside a tag is literal text, because JSON bodies
// such as {"a": {"b": "{{ x }}"}} end nested objects with "}}". Everything
// else is as in ParseTemplate.
func ParseBodyTemplate(s string) ([]TemplatePart, error) { return parseTemplate(s, true) }

func parseTemplate(s string, strayCloseIsText bool) ([]TemplatePart, error) {
	if s == "" {
		return nil, nil
	}
	// Each tag adds at most a literal and itself: one allocation.
	parts := make([]TemplatePart, 0, 2*strings.Count(s, "{{")+1)
	litStart := 0 // start of the pending literal
	for i := 0; ; {
		j := indexDoubleBrace(s, i)
		if j < 0 {
			break
		}
		if s[j] == '}' {
			if !strayCloseIsText {
				return nil, templateError(s, j, `"}}" without an opening "{{"`)
			}
			i = j + 2
			continue
		}
		body := j + 2
		end := strings.Index(s[body:], "}}")
		if end < 0 {
			return nil, templateError(s, j, `"{{" is never closed by "}}"`)
		}
		key := strings.Trim(s[body:body+end], " \t")
		switch {
		case key == "":
			return nil, templateError(s, j, "empty tag {{ }}")
		case !ValidName(key):
			return nil, templateError(s, j, fmt.Sprintf("%q is not a valid tag name (start with a letter or _, then letters, digits, _, . or -)", key))
		}
		if j > litStart {
			parts = append(parts, TemplatePart{Literal: s[litStart:j]})
		}
		parts = append(parts, TemplatePart{Key: key})
		i = body + end + 2
		litStart = i
	}
	if litStart < len(s) {
		parts = append(parts, TemplatePart{Literal: s[litStart:]})
	}
	return parts, nil
}

// indexDoubleBrace returns the index of the first "{{" or "}}" at or after
// i, or -1.
func indexDoubleBrace(s string, i int) int {
	for i < len(s)-1 {
		k := strings.IndexAny(s[i:len(s)-1], "{}")
		if k < 0 {
			return -1
		}
		i += k
		if s[i+1] == s[i] {
			return i
		}
		i++
	}
	return -1
}

func templateError(s string, offset int, reason string) *TemplateError {
	return &TemplateError{Offset: offset, Pos: utf8.RuneCountInString(s[:offset]) + 1, Reason: reason}
}
