package cassettes_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/faultline-dev/faultline/cassettes"
)

// exampleCassette is what `faultline record` would have written.
func exampleCassette() *cassettes.Cassette {
	charge := func(amount int, id string) *cassettes.Interaction {
		return &cassettes.Interaction{
			Request: cassettes.Request{Method: "POST", URL: "https://api.example.com/v1/charges",
				Body: fmt.Sprintf(`{"amount":%d,"currency":"usd"}`, amount)},
			Response: cassettes.Response{Code: 201, Body: `{"id":"` + id + `"}`,
				Headers: http.Header{"Content-Type": {"application/json"}}},
		}
	}
	return &cassettes.Cassette{Version: cassettes.FormatVersion,
		Interactions: []*cassettes.Interaction{charge(500, "ch_1"), charge(700, "ch_2")}}
}

func post(base, body string) string {
	resp, err := http.Post(base+"/v1/charges", "application/json", strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.SplitN(string(b), "\n", 2)[0])
}

// Two POSTs to one URL that differ only by body get their own responses.
func ExampleNewReplayer() {
	rp := cassettes.NewReplayer(exampleCassette(), cassettes.ReplayOptions{})
	srv := httptest.NewServer(rp)
	defer srv.Close()

	fmt.Println(post(srv.URL, `{"currency":"usd","amount":700}`))
	fmt.Println(post(srv.URL, `{"amount":500,"currency":"usd"}`))
	fmt.Println(post(srv.URL, `{"amount":900,"currency":"usd"}`))
	fmt.Println("mismatches:", len(rp.Mismatches()), "unplayed:", len(rp.Unplayed()))
	// Output:
	// 201 {"id":"ch_2"}
	// 201 {"id":"ch_1"}
	// 502 {
	// mismatches: 1 unplayed: 0
}

// A recording proxy in front of an API; Close writes the redacted cassette.
func ExampleNewRecorder() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer api.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "api.yaml")

	upstream, _ := url.Parse(api.URL)
	rec, err := cassettes.NewRecorder(upstream, path, cassettes.RecordOptions{Mode: cassettes.ModeAll})
	if err != nil {
		fmt.Println(err)
		return
	}
	proxy := httptest.NewServer(rec)
	req, _ := http.NewRequest("GET", proxy.URL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer sk_live_0123456789abcdef")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	proxy.Close()
	if err := rec.Close(); err != nil {
		fmt.Println(err)
		return
	}
	c, _ := cassettes.Load(path)
	fmt.Println(len(c.Interactions), c.Interactions[0].Request.Headers.Get("Authorization"))
	// Output: 1 [REDACTED]
}

func ExampleRedactor_Interaction() {
	red, _ := cassettes.NewRedactor(cassettes.Rules{Names: []string{"iban"}})
	x := &cassettes.Interaction{Request: cassettes.Request{Method: "POST",
		URL:  "https://api.example.com/v1/pay?api_key=abc123&page=2",
		Body: `{"amount":5,"iban":"DE89370400440532013000"}`}}
	out := red.Interaction(x)
	fmt.Println(out.Request.URL)
	fmt.Println(out.Request.Body)
	// Output:
	// https://api.example.com/v1/pay?api_key=%5BREDACTED%5D&page=2
	// {"amount":5,"iban":"[REDACTED]"}
}

func ExampleDrift() {
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"cus_9","balance":"12.00","email":"a@b.c"}`)
	}))
	defer live.Close()
	c := &cassettes.Cassette{Version: cassettes.FormatVersion, Interactions: []*cassettes.Interaction{{
		Request: cassettes.Request{Method: "GET", URL: "https://api.example.com/v1/customers/cus_1"},
		Response: cassettes.Response{Code: 200, Body: `{"id":"cus_1","balance":1200}`,
			Headers: http.Header{"Content-Type": {"application/json"}}},
	}}}
	base, _ := url.Parse(live.URL)
	results, _ := cassettes.Drift(context.Background(), c, live.Client(), base, cassettes.DriftOptions{})
	for _, d := range results[0].Differences {
		fmt.Println(d.Path, d.Kind, d.Recorded, "->", d.Live, d.Severity)
	}
	fmt.Println("worst:", cassettes.WorstSeverity(results))
	// Output:
	// $.balance type-changed number -> string breaking
	// $.email added missing -> string additive
	// worst: breaking
}

// A truncated or corrupt file is reported with its line, and callers can
// tell it apart from a missing file.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cut.yaml")
	_ = os.WriteFile(path, []byte("version: 2\ninteractions:\n    - id: 0\n      request: {method: GET, url: 'http://a/'}\n"), 0o644)

	_, err := cassettes.Load(path)
	var fe *cassettes.FormatError
	if errors.As(err, &fe) {
		fmt.Println(fe.Line, errors.Is(err, cassettes.ErrInvalidCassette))
		fmt.Println(strings.TrimPrefix(err.Error(), dir+"/"))
	}
	// Output:
	// 3 true
	// cut.yaml:3: interaction 0: response.code 0 is not a final HTTP status, 200-599 (missing response?); the file may be truncated: fix it or record it again
}

func ExampleScan() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "leak.yaml")
	_ = os.WriteFile(path, []byte(`version: 2
interactions:
    - request:
        method: GET
        url: https://api.example.com/v1/me
        headers:
            Authorization: ["Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc"]
      response:
        code: 200
`), 0o644)
	findings, _ := cassettes.Scan(path)
	for _, f := range findings {
		fmt.Println(f.Line, f.Rule, f.Masked)
	}
	// Output:
	// 7 bearer-token Bear…(39 chars)
}
