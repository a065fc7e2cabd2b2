package webhooktest_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/resilience/receiver"
	"github.com/faultline-dev/faultline/webhook"
	"github.com/faultline-dev/faultline/webhook/webhooktest"
)

// FuzzReferenceReceiver runs the harness against resilience/receiver.
func FuzzReferenceReceiver(f *testing.F) {
	const secret = "whsec_campaign_test_secret"
	var mu sync.Mutex
	n := map[string]int{}
	r, err := receiver.New(receiver.Config{
		Scheme: "stripe", Secret: secret, Logger: slog.New(slog.DiscardHandler),
		Process: func(_ context.Context, e receiver.Event) error {
			mu.Lock()
			defer mu.Unlock()
			n[e.ID]++
			return nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close() })
	effects := webhook.CounterFunc(func(_ context.Context, id string) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return n[id], nil
	})
	webhooktest.Fuzz(f, webhook.FuzzTarget{Handler: r, Scheme: "stripe", Secret: secret, Effects: effects, Settle: time.Millisecond})
}
