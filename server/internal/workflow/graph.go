package workflow

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// Graphs and settings are stored as protojson with proto field names, so the
// rows stay readable and queryable.
var (
	marshalOptions   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshalOptions = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// EncodeMessage returns the stored form of a graph or settings message.
func EncodeMessage(m proto.Message) (json.RawMessage, error) {
	if m == nil || !m.ProtoReflect().IsValid() {
		return json.RawMessage("{}"), nil
	}
	return marshalOptions.Marshal(m)
}

// DecodeGraph parses a stored graph.
func DecodeGraph(raw []byte) (*workflowv1.Graph, error) {
	g := &workflowv1.Graph{}
	if err := unmarshalOptions.Unmarshal(raw, g); err != nil {
		return nil, fmt.Errorf("decode stored graph: %w", err)
	}
	return g, nil
}

// DecodeSettings parses stored settings.
func DecodeSettings(raw []byte) (*workflowv1.WorkflowSettings, error) {
	s := &workflowv1.WorkflowSettings{}
	if err := unmarshalOptions.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("decode stored settings: %w", err)
	}
	return s, nil
}

// triggerKinds maps each trigger config field of Node to its TriggerKind.
var triggerKinds = map[protoreflect.Name]workflowv1.TriggerKind{
	"new_conversation":      workflowv1.TriggerKind_TRIGGER_KIND_NEW_CONVERSATION,
	"new_session":           workflowv1.TriggerKind_TRIGGER_KIND_NEW_SESSION,
	"message_received":      workflowv1.TriggerKind_TRIGGER_KIND_MESSAGE_RECEIVED,
	"button_answered":       workflowv1.TriggerKind_TRIGGER_KIND_BUTTON_ANSWERED,
	"input_answered":        workflowv1.TriggerKind_TRIGGER_KIND_INPUT_ANSWERED,
	"ai_agent_assigned":     workflowv1.TriggerKind_TRIGGER_KIND_AI_AGENT_ASSIGNED,
	"human_agent_assigned":  workflowv1.TriggerKind_TRIGGER_KIND_HUMAN_AGENT_ASSIGNED,
	"conversation_opened":   workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_OPENED,
	"conversation_resolved": workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_RESOLVED,
	"conversation_starred":  workflowv1.TriggerKind_TRIGGER_KIND_CONVERSATION_STARRED,
	"label_added":           workflowv1.TriggerKind_TRIGGER_KIND_LABEL_ADDED,
	"label_removed":         workflowv1.TriggerKind_TRIGGER_KIND_LABEL_REMOVED,
	"segment_updated":       workflowv1.TriggerKind_TRIGGER_KIND_SEGMENT_UPDATED,
	"custom_data_updated":   workflowv1.TriggerKind_TRIGGER_KIND_CUSTOM_DATA_UPDATED,
	"lead_created":          workflowv1.TriggerKind_TRIGGER_KIND_LEAD_CREATED,
	"lead_stage_changed":    workflowv1.TriggerKind_TRIGGER_KIND_LEAD_STAGE_CHANGED,
	"programmatic":          workflowv1.TriggerKind_TRIGGER_KIND_PROGRAMMATIC,
}

// NodeKind returns the name of the node's config field, e.g. "send_message";
// "" when no config is set.
func NodeKind(n *workflowv1.Node) protoreflect.Name {
	m := n.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("config"))
	if fd == nil {
		return ""
	}
	return fd.Name()
}

// NodeConfigFields lists the fields of Node's config oneof, in proto order:
// one per node kind.
func NodeConfigFields() []protoreflect.FieldDescriptor {
	fields := (&workflowv1.Node{}).ProtoReflect().Descriptor().Oneofs().ByName("config").Fields()
	out := make([]protoreflect.FieldDescriptor, fields.Len())
	for i := range out {
		out[i] = fields.Get(i)
	}
	return out
}

// NewNode returns a node with id whose config is cfg, placed in the oneof
// field of cfg's type.
func NewNode(id string, cfg proto.Message) *workflowv1.Node {
	n := &workflowv1.Node{Id: id}
	want := cfg.ProtoReflect().Descriptor().FullName()
	for _, fd := range NodeConfigFields() {
		if fd.Message().FullName() == want {
			n.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(cfg.ProtoReflect()))
			return n
		}
	}
	panic(fmt.Sprintf("%s is not a node config", want))
}

// TriggerKindOf returns the kind of a node when it is a trigger.
func TriggerKindOf(n *workflowv1.Node) (workflowv1.TriggerKind, bool) {
	k, ok := triggerKinds[NodeKind(n)]
	return k, ok
}

// GraphTriggerKind returns the kind of the graph's first trigger node, or
// unspecified when it has none.
func GraphTriggerKind(g *workflowv1.Graph) workflowv1.TriggerKind {
	for _, n := range g.GetNodes() {
		if k, ok := TriggerKindOf(n); ok {
			return k
		}
	}
	return workflowv1.TriggerKind_TRIGGER_KIND_UNSPECIFIED
}

// TriggerKindName is the stored, lower-case name of a trigger kind, e.g.
// "label_added"; "" for unspecified.
func TriggerKindName(k workflowv1.TriggerKind) string {
	for name, kind := range triggerKinds {
		if kind == k {
			return string(name)
		}
	}
	return ""
}

// ParseTriggerKindName is the inverse of TriggerKindName.
func ParseTriggerKindName(s string) workflowv1.TriggerKind {
	return triggerKinds[protoreflect.Name(s)]
}
