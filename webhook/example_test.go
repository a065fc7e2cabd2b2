package webhook_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/faultline-dev/faultline/resilience/receiver"
	"github.com/faultline-dev/faultline/webhook"
)

func ExampleRun() {
	// The handler under test, counting its effects per event id.
	var mu sync.Mutex
	effects := map[string]int{}
	rcv, _ := receiver.New(receiver.Config{
		Scheme: "github", Secret: "s3cr3t",
		Process: func(_ context.Context, e receiver.Event) error {
			mu.Lock()
			defer mu.Unlock()
			effects[e.ID]++
			return nil
		},
	})
	defer rcv.Close()
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	run, err := webhook.Run(context.Background(), webhook.Options{
		Target: srv.URL,
		Scheme: "github",
		Secret: "s3cr3t",
		Effects: webhook.CounterFunc(func(_ context.Context, id string) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return effects[id], nil
		}),
		Cases: []string{"valid", "wrong-secret", "sha1-downgrade", "stale-timestamp", "concurrent-duplicates-8"},
		Seed:  1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, sc := range run.Scenarios {
		fmt.Println(strings.TrimSpace(fmt.Sprint(sc.Name, " ", sc.Status, " ", sc.SkipReason)))
	}
	// Output:
	// valid passed
	// wrong-secret passed
	// sha1-downgrade passed
	// stale-timestamp skipped github signatures carry no timestamp; replays are stopped by deduplication alone
	// concurrent-duplicates-8 passed
}
