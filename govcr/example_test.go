package govcr_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/recorder"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/govcr"
)

// A go-vcr cassette as a test keeps it in testdata/: two orders to one URL
// that differ only in their bodies.
const ordersYAML = `---
version: 2
interactions:
    - id: 0
      request: {method: POST, url: "https://api.example.com/v1/orders", body: '{"sku":"a"}', headers: {Content-Type: [application/json]}}
      response: {code: 201, status: 201 Created, body: '{"id":"ord_a"}', headers: {Content-Type: [application/json]}}
    - id: 1
      request: {method: POST, url: "https://api.example.com/v1/orders", body: '{"sku":"b"}', headers: {Content-Type: [application/json]}}
      response: {code: 201, status: 201 Created, body: '{"id":"ord_b"}', headers: {Content-Type: [application/json]}}
`

// cassetteName writes the cassette and returns go-vcr's name for it.
func cassetteName() (name string, cleanup func()) {
	dir, _ := os.MkdirTemp("", "govcr")
	_ = os.WriteFile(filepath.Join(dir, "orders.yaml"), []byte(ordersYAML), 0o644)
	return filepath.Join(dir, "orders"), func() { os.RemoveAll(dir) }
}

func post(c *http.Client, body string) string {
	resp, err := c.Post("https://api.example.com/v1/orders", "application/json", strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprint(resp.StatusCode, " ", string(b))
}

// go-vcr replays by method and URL alone; with faultline's matcher the
// body decides, in any key order.
func ExampleMatcher() {
	name, cleanup := cassetteName()
	defer cleanup()
	rec, _ := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
	defer rec.Stop()
	rec.SetMatcher(govcr.Matcher(cassettes.MatchOptions{}))

	c := rec.GetDefaultClient()
	fmt.Println(post(c, `{ "sku": "b" }`))
	fmt.Println(post(c, `{"sku":"a"}`))
	// Output:
	// 201 {"id":"ord_b"}
	// 201 {"id":"ord_a"}
}

// Secrets are removed before go-vcr saves the cassette.
func ExampleRedact() {
	dir, _ := os.MkdirTemp("", "govcr")
	defer os.RemoveAll(dir)
	rec, _ := recorder.NewWithOptions(&recorder.Options{CassetteName: filepath.Join(dir, "login"), Mode: recorder.ModeRecordOnly,
		RealTransport: roundTripFunc(func(r *http.Request) (*http.Response, error) { // stands for the real API
			_, _ = io.Copy(io.Discard, r.Body)
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: r}, nil
		})})
	rec.AddHook(govcr.Redact(nil), recorder.BeforeSaveHook)

	req, _ := http.NewRequest("POST", "https://api.example.com/v1/login?api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc",
		strings.NewReader(`{"user":"ann","password":"correct horse battery staple"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := rec.GetDefaultClient().Do(req)
	resp.Body.Close()
	_ = rec.Stop()

	saved, _ := os.ReadFile(filepath.Join(dir, "login.yaml"))
	for _, line := range strings.Split(string(saved), "\n") {
		if strings.Contains(line, "url:") || strings.Contains(line, "password") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// body: '{"password":"[REDACTED]","user":"ann"}'
	// url: https://api.example.com/v1/login?api_key=%5BREDACTED%5D
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Replayed traffic under faults, in three lines: the first order gets a
// 503, the next one its recording.
func ExampleWithFaults() {
	name, cleanup := cassetteName()
	defer cleanup()
	rec, _ := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
	defer rec.Stop()
	rec.SetMatcher(govcr.Matcher(cassettes.MatchOptions{}))
	plan, _ := fault.LoadPlan("faults.yaml", []byte(`
routes:
  - path: /v1/orders
    faults:
      - when: {first: 1}
        status: {code: 503, headers: {Retry-After: "1"}}
`))

	rt, _ := govcr.WithFaults(rec, plan)
	defer rt.Close()
	client := &http.Client{Transport: rt}

	fmt.Println(post(client, `{"sku":"a"}`))
	fmt.Println(post(client, `{"sku":"a"}`))
	// Output:
	// 503 {"error":{"type":"faultline","message":"Service Unavailable"}}
	// 201 {"id":"ord_a"}
}
