package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/faultline-dev/faultline/resilience"
)

// flaky answers 503 twice, then 200.
func flaky() *httptest.Server {
	var n atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"id":"ch_1","amount":4200,"key_sent":%t}`, r.Header.Get("Idempotency-Key") != "")
	}))
}

func ExampleClient_Do() {
	srv := flaky()
	defer srv.Close()
	c := resilience.New(resilience.DefaultPolicy(), resilience.WithSeed(1))
	defer c.CloseIdleConnections()

	resp, err := c.Do(context.Background(), &resilience.Request{
		Method: "POST", URL: srv.URL + "/v1/charges", Body: []byte(`{"amount":4200}`),
		Kind: resilience.KindPayment,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Attempts, string(resp.Body))
	// Output: 200 3 {"id":"ch_1","amount":4200,"key_sent":true}
}

func ExampleClient_Do_errors() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such charge", http.StatusNotFound)
	}))
	defer srv.Close()
	c := resilience.New(resilience.DefaultPolicy())
	defer c.CloseIdleConnections()

	resp, err := c.Do(context.Background(), &resilience.Request{URL: srv.URL + "/v1/charges/ch_9"})
	var e *resilience.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, resilience.ErrNotRetryable), e.Class, e.Attempts, e.LastStatus)
		fmt.Print(string(resp.Body))
	}
	// Output:
	// true client_error 1 404
	// no such charge
}

func ExampleClient_RoundTripper() {
	srv := flaky()
	defer srv.Close()
	c := resilience.New(resilience.DefaultPolicy(), resilience.WithSeed(1))
	defer c.CloseIdleConnections()

	hc := &http.Client{Transport: c.RoundTripper()} // hand this to any SDK
	resp, err := hc.Get(srv.URL + "/v1/charges/ch_1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 {"id":"ch_1","amount":4200,"key_sent":false}
}

func ExampleDecodeJSON() {
	var charge struct {
		ID     string `json:"id" validate:"required"`
		Amount int64  `json:"amount"`
	}
	err := resilience.DecodeJSON([]byte(`{"id":"ch_1","amount":"4200","new_field":1}`), &charge)
	fmt.Println(err)
	err = resilience.DecodeJSON([]byte(`{"amount":4200}`), &charge)
	fmt.Println(err, errors.Is(err, resilience.ErrInvalidPayload))
	// Output:
	// amount: expected integer, got string
	// id: required field missing true
}

func ExampleLoadPolicy() {
	p, err := resilience.LoadPolicy("policy.yaml", []byte("retry:\n  max_attempts: 2\n  base_delay: 50ms\n"))
	fmt.Println(p.Retry.MaxAttempts, p.Retry.BaseDelay, p.Breaker.Enabled, err)

	_, err = resilience.LoadPolicy("policy.yaml", []byte("breaker:\n  failure_ratio: 2\n"))
	fmt.Println(err)
	// Output:
	// 2 50ms true <nil>
	// policy.yaml:2:18: breaker.failure_ratio: must be between 0 and 1
}

func ExampleWithFallback() {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	p := resilience.DefaultPolicy()
	p.Retry.MaxAttempts = 1
	p.Breaker.ConsecutiveFailures = 2
	c := resilience.New(p, resilience.WithFallback(func(r *resilience.Request, err error) (*resilience.Response, error) {
		return &resilience.Response{StatusCode: 200, Body: []byte(`{"rates":"yesterday's"}`)}, nil
	}))
	defer c.CloseIdleConnections()

	for range 3 {
		resp, err := c.Do(context.Background(), &resilience.Request{Method: "POST", URL: down.URL + "/v1/rates"})
		fmt.Println(resp.StatusCode, resp.Fallback, resp.Attempts, err)
	}
	m := c.Metrics()
	fmt.Println(m.Attempts, m.Fallbacks, m.Transitions[0].From, "->", m.Transitions[0].To)
	// Output:
	// 200 true 1 <nil>
	// 200 true 1 <nil>
	// 200 true 0 <nil>
	// 2 3 closed -> open
}
