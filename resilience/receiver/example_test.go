package receiver_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/resilience/receiver"
)

func Example() {
	processed := make(chan string, 1)
	rcv, err := receiver.New(receiver.Config{
		Scheme: "github",
		Secret: "s3cr3t",
		Process: func(_ context.Context, e receiver.Event) error {
			processed <- e.ID
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rcv.Close()

	// What GitHub would send, signed the way GitHub signs it.
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	s, _ := webhooksig.New("github", "s3cr3t", webhooksig.Options{})
	send := func() int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
		_ = s.Sign(req.Header, webhooksig.Delivery{ID: "guid-1", Event: "ping", Body: body})
		rec := httptest.NewRecorder()
		rcv.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(send()) // first delivery: queued
	fmt.Println(<-processed)
	fmt.Println(send()) // redelivery: acknowledged, not processed again
	// Output:
	// 202
	// guid-1
	// 200
}
