package parley_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"time"

	"connectrpc.com/connect"

	"github.com/parleyhq/parley/clients/go/parley"
	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
	workflowv1 "github.com/parleyhq/parley/gen/parley/workflow/v1"
)

// Start a published workflow on a new session, passing run variables.
func ExampleNewClient() {
	ctx := context.Background()
	c, err := parley.NewClient("http://localhost:8080", os.Getenv("PARLEY_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	created, err := c.Sessions.CreateSession(ctx, connect.NewRequest(&sessionv1.CreateSessionRequest{
		Channel: sessionv1.Channel_CHANNEL_API,
	}))
	if err != nil {
		log.Fatal(err)
	}
	vars, err := parley.Variables(map[string]any{"plan": "pro", "order_id": 12345})
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Workflows.TriggerWorkflow(ctx, connect.NewRequest(&workflowv1.TriggerWorkflowRequest{
		WorkflowId: "scenario_c3dc74f1-a181-49af-8589-17488b238cdc",
		SessionId:  created.Msg.GetSession().GetId(),
		Variables:  vars,
	}))
	switch connect.CodeOf(err) {
	case connect.CodeInvalidArgument:
		log.Fatalf("refused: %v", parley.FieldViolations(err))
	case connect.CodePermissionDenied:
		log.Fatal("the token lacks the workflows:trigger scope")
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("started run", res.Msg.GetRunId())
}

// Print a session's messages as they are posted, from the first one on,
// across disconnections, until the process is interrupted or the token is
// revoked.
func ExampleClient_Subscribe() {
	ctx := context.Background()
	c, err := parley.NewClient("http://localhost:8080", os.Getenv("PARLEY_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	sub := c.Subscribe(ctx, "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427", 0)
	for ev, err := range sub.Events() {
		if err != nil {
			log.Fatalf("subscription stopped after sequence %d: %v", sub.LastSequence(), err)
		}
		if msg := ev.GetMessage(); msg != nil {
			fmt.Printf("#%d %v: %s\n", ev.GetSequence(), ev.GetActor(), msg.GetText())
		}
	}
}

// Wait at most a minute for the bot's next message.
func ExampleSubscription_Events() {
	c, err := parley.NewClient("https://parley.example.com", os.Getenv("PARLEY_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const lastSeen = 42 // the newest sequence already processed
	for ev, err := range c.Subscribe(ctx, "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427", lastSeen).Events() {
		if err != nil {
			log.Fatal(err) // context.DeadlineExceeded after a minute
		}
		if ev.GetActor() == sessionv1.Actor_ACTOR_BOT && ev.GetMessage() != nil {
			fmt.Println(ev.GetMessage().GetText())
			break
		}
	}
}

func ExampleVariables() {
	vars, err := parley.Variables(map[string]any{
		"plan":     "pro",
		"order_id": 12345,
		"total":    float32(19.99),
		"vip":      true,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(vars.GetFields())) {
		fmt.Printf("%s = %v\n", k, vars.GetFields()[k].AsInterface())
	}

	_, err = parley.Variables(map[string]any{"plan": "pro", "items": []string{"a", "b"}})
	fmt.Println(err)
	// Output:
	// order_id = 12345
	// plan = pro
	// total = 19.99
	// vip = true
	// parley: variable "items": is a []string; want a string, number or boolean
}

// Show a form's server-side validation errors next to its fields.
func ExampleFieldViolations() {
	c, err := parley.NewClient("http://localhost:8080", os.Getenv("PARLEY_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Sessions.UpdateVisitor(context.Background(), connect.NewRequest(&sessionv1.UpdateVisitorRequest{
		SessionId: "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427",
		Visitor:   &sessionv1.Visitor{Name: "Ada", Email: "not an email"},
	}))
	if connect.CodeOf(err) == connect.CodeInvalidArgument {
		for field, msg := range parley.FieldViolations(err) {
			fmt.Printf("%s: %s\n", field, msg) // visitor.email: value must be a valid email address
		}
	}
}
