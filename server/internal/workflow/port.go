package workflow

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// Output port names. An edge leaves its node through one of these; the empty
// string stored in Edge.from_port means PortNext.
const (
	PortNext    = "next"
	PortTrue    = "true"
	PortFalse   = "false"
	PortTimeout = "timeout"
	PortError   = "error"

	// ButtonPortPrefix starts the per-button ports of a button picker:
	// "button:<value>" for each button value.
	ButtonPortPrefix = "button:"
)

// PortSpec is one output port of a node.
type PortSpec struct {
	Name string
	// Required ports must be wired, to the next step or to an End node, for
	// the graph to validate. A button picker's "next" is the one exception:
	// it may stay unwired when every button has its own wired port.
	Required bool
}

// OutputPorts returns the output ports of n, required ones first. It is the
// single source of truth for which ports a node kind has: validation checks
// edges against it and the engine follows it. A node without config and the
// terminal kinds (end, stop_workflow) have none. The slice is new on each
// call, so callers may keep or change it.
func OutputPorts(n *workflowv1.Node) []PortSpec { return outputPorts(NodeKind(n), n) }

// outputPorts is OutputPorts for a node whose kind is already known, since
// NodeKind goes through reflection.
func outputPorts(kind protoreflect.Name, n *workflowv1.Node) []PortSpec {
	switch kind {
	case "", "end", "stop_workflow":
		return nil
	case "decision":
		return []PortSpec{{Name: PortTrue, Required: true}, {Name: PortFalse, Required: true}}
	case "wait_for_event":
		return []PortSpec{{Name: PortNext, Required: true}, {Name: PortTimeout, Required: true}}
	case "fetch_api", "send_webhook", "custom_skill":
		// Without a wired "error" port a failed call fails the run.
		return []PortSpec{{Name: PortNext, Required: true}, {Name: PortError}}
	case "button_picker":
		return buttonPickerPorts(n.GetButtonPicker())
	default:
		// Triggers and every other action continue through "next".
		return []PortSpec{{Name: PortNext, Required: true}}
	}
}

// buttonPickerPorts lists "next" and one optional port per distinct,
// non-empty button value (empty and repeated values are configuration errors
// reported by Validate; they get no port of their own).
func buttonPickerPorts(bp *workflowv1.ButtonPickerAction) []PortSpec {
	ports := make([]PortSpec, 1, 1+len(bp.GetButtons()))
	ports[0] = PortSpec{Name: PortNext, Required: true}
	seen := make(map[string]bool, len(bp.GetButtons()))
	for _, b := range bp.GetButtons() {
		v := b.GetValue()
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		ports = append(ports, PortSpec{Name: ButtonPort(v)})
	}
	return ports
}

// ButtonPort is the name of the output port a button picker leaves through
// when the visitor picks the button with value; when that port is not wired
// the run leaves through "next".
func ButtonPort(value string) string { return ButtonPortPrefix + value }

// NormalizePort returns the canonical name of an edge's from_port: "" means
// "next". Other names are returned unchanged (port names are case-sensitive,
// because button values are).
func NormalizePort(p string) string {
	if p == "" {
		return PortNext
	}
	return p
}

// HasOutputPort reports whether n has an output port named port (normalized
// first).
func HasOutputPort(n *workflowv1.Node, port string) bool {
	return hasOutputPort(NodeKind(n), n, port)
}

func hasOutputPort(kind protoreflect.Name, n *workflowv1.Node, port string) bool {
	port = NormalizePort(port)
	if kind == "button_picker" && strings.HasPrefix(port, ButtonPortPrefix) {
		// Avoid building the port list for the per-button case.
		value := strings.TrimPrefix(port, ButtonPortPrefix)
		if value == "" {
			return false
		}
		for _, b := range n.GetButtonPicker().GetButtons() {
			if b.GetValue() == value {
				return true
			}
		}
		return false
	}
	for _, p := range outputPorts(kind, n) {
		if p.Name == port {
			return true
		}
	}
	return false
}

// unwiredPorts returns the names of the required ports of n that wired
// reports unwired, applying the button picker exception: its "next" may stay
// unwired when the picker has buttons and every button port is wired,
// because then every pick has somewhere to go.
func unwiredPorts(kind protoreflect.Name, n *workflowv1.Node, wired func(port string) bool) []string {
	ports := outputPorts(kind, n)
	var missing []string
	for _, p := range ports {
		if !p.Required || wired(p.Name) {
			continue
		}
		if p.Name == PortNext && kind == "button_picker" && allButtonPortsWired(ports, wired) {
			continue
		}
		missing = append(missing, p.Name)
	}
	return missing
}

// allButtonPortsWired reports whether ports holds at least one button port
// and all of them are wired.
func allButtonPortsWired(ports []PortSpec, wired func(port string) bool) bool {
	buttons := 0
	for _, p := range ports {
		if !strings.HasPrefix(p.Name, ButtonPortPrefix) {
			continue
		}
		buttons++
		if !wired(p.Name) {
			return false
		}
	}
	return buttons > 0
}
