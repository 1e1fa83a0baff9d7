package workflow

// Internals the external tests (package workflow_test) check directly.
var (
	LoopPairs            = loopPairs
	TriggerKinds         = triggerKinds
	WaitingKinds         = waitingKinds
	ParseTemplateLenient = parseTemplate
)
