package api_test

import (
	"context"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	sessionv1 "github.com/parleyhq/parley/gen/parley/session/v1"
)

// BenchmarkFanout measures what one session event costs to deliver to every
// open Subscribe stream of the session, over real HTTP/2 connections: each
// iteration posts a message and waits until all subscribers received it.
// ns/op is the time from the post to the last delivery; ns/delivery divides
// it by the number of subscribers.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			tb := setup(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, token := tb.widgetSession(b)
			receivers := make([]*receiver, n)
			for i := range receivers {
				receivers[i] = subscribe(ctx, b, tb.sessionClient(token), s.GetId(), s.GetLastSequence())
			}
			c := tb.sessionClient(tb.all)
			b.ResetTimer()
			for i := range b.N {
				if _, err := c.SendMessage(ctx, connect.NewRequest(&sessionv1.SendMessageRequest{
					SessionId: s.GetId(), Content: &sessionv1.SendMessageRequest_Text{Text: "tick"},
				})); err != nil {
					b.Fatal(err)
				}
				for _, r := range receivers {
					r.waitUntilCount(b, i+1)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}
