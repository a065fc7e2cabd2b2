package cmd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/faultline-dev/faultline/resilience/receiver"
)

// scriptCmds are the commands the scripts add to testscript's own: what a
// shell script would do with curl, a loop and a small web app.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitfile": cmdWaitFile,
	"http":     cmdHTTP,
	"webhooks": cmdWebhooks,
	"exitcode": cmdExitCode,
	"replace":  cmdReplace,
}

// exitcode N checks the exit code of the last faultline command that
// ended (! exec only says it was not 0).
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitcode N")
	}
	if got := strings.TrimSpace(ts.ReadFile(filepath.Join(ts.Getenv("WORK"), ".exitcode"))); got != args[0] {
		ts.Fatalf("faultline exited %s, want %s", got, args[0])
	}
}

// replace OLD NEW FILE OUT writes FILE to OUT with the first OLD replaced.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: replace OLD NEW FILE OUT")
	}
	data := ts.ReadFile(args[2])
	if !strings.Contains(data, args[0]) {
		ts.Fatalf("%s does not contain %q", args[2], args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), []byte(strings.Replace(data, args[0], args[1], 1)), 0o644))
}

// waitLimit bounds a wait for something that must happen; it only ends a
// script that would otherwise hang, it judges no timing.
const waitLimit = 60 * time.Second

// waitfile FILE [VAR...] waits until FILE exists (a command's --addr-file,
// written in one step), then sets each VAR to one of its lines in turn,
// and VAR_HOSTPORT to the host:port of a URL.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: waitfile FILE [VAR...]")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(waitLimit)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			for i, v := range args[1:] {
				if i < len(lines) {
					ts.Setenv(v, lines[i])
					if u, err := url.Parse(lines[i]); err == nil {
						ts.Setenv(v+"_HOSTPORT", u.Host)
					}
				}
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %s", args[0], waitLimit)
		}
		time.Sleep(5 * time.Millisecond) // polling a file: no event to wait on
	}
}

// http [-X METHOD] [-H 'Name: value']... [-ca PEM] [-d BODY] [-n N]
// [-until REGEXP] URL sends the request on a fresh connection (N times)
// and prints "status N" and the last body to stdout. -until repeats it
// until the body matches, for what the server does after it answers (the
// journal records a request once its response is written). With !, the
// request must fail without an answer (a reset, a closed connection).
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	method := fs.String("X", "GET", "method")
	body := fs.String("d", "", "body")
	ca := fs.String("ca", "", "CA certificate (PEM) to trust")
	n := fs.Int("n", 1, "requests to send")
	until := fs.String("until", "", "repeat until the body matches")
	var headers headerList
	fs.Var(&headers, "H", "header")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: http [-X METHOD] [-H 'Name: value']... [-ca PEM] [-d BODY] [-n N] [-until REGEXP] URL")
	}
	tr := &http.Transport{DisableKeepAlives: true} // a reset reused connection would be retried
	if *ca != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ts.ReadFile(*ca))) {
			ts.Fatalf("%s holds no certificate", *ca)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c := &http.Client{Transport: tr, Timeout: waitLimit}
	send := func() (int, string, error) {
		req, err := http.NewRequest(*method, fs.Arg(0), strings.NewReader(*body))
		ts.Check(err)
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data), err
	}
	var want *regexp.Regexp
	if *until != "" {
		want = regexp.MustCompile(*until)
	}
	deadline := time.Now().Add(waitLimit)
	for i := 1; ; i++ {
		code, data, err := send()
		switch {
		case err != nil && neg:
			return
		case err != nil:
			ts.Fatalf("%s %s: %v", *method, fs.Arg(0), err)
		case neg:
			ts.Fatalf("%s %s answered %d, want no answer", *method, fs.Arg(0), code)
		case i < *n:
			continue
		case want != nil && !want.MatchString(data) && time.Now().Before(deadline):
			time.Sleep(10 * time.Millisecond) // polling the admin API: no event to wait on
			continue
		case want != nil && !want.MatchString(data):
			ts.Fatalf("%s %s: no body matching %q within %s; last:\n%s", *method, fs.Arg(0), *until, waitLimit, data)
		}
		fmt.Fprintf(ts.Stdout(), "status %d\n%s", code, data)
		return
	}
}

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

// webhooks VAR KIND [flags] starts a webhook handler in the test process
// for the rest of the script and sets VAR to its URL:
//
//	receiver  the reference receiver at /hook (-scheme, -secret, -hmac-*),
//	          its effect counts per event at /effects
//	          (--effects-url's contract); with -forward FILE each event
//	          also POSTs /v1/fulfil, Idempotency-Key: the event id, to the
//	          URL on FILE's first line
//	accept    a handler that answers 200 to everything, forged or not
func cmdWebhooks(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: webhooks VAR receiver|accept [flags]")
	}
	var h http.Handler
	switch args[1] {
	case "accept":
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	case "receiver":
		h = scriptReceiver(ts, args[2:])
	default:
		ts.Fatalf("webhooks: unknown kind %q", args[1])
	}
	srv := httptest.NewServer(h)
	ts.Defer(srv.Close)
	ts.Setenv(args[0], srv.URL)
}

func scriptReceiver(ts *testscript.TestScript, args []string) http.Handler {
	fs := flag.NewFlagSet("receiver", flag.ContinueOnError)
	var cfg receiver.Config
	fs.StringVar(&cfg.Scheme, "scheme", "stripe", "signature scheme")
	fs.StringVar(&cfg.Secret, "secret", "", "signing secret")
	fs.StringVar(&cfg.HMAC.Header, "hmac-header", "", "")
	fs.StringVar(&cfg.HMAC.Prefix, "hmac-prefix", "", "")
	fs.StringVar(&cfg.HMAC.IDHeader, "hmac-id-header", "", "")
	forward := fs.String("forward", "", "file naming the downstream URL")
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("webhooks receiver: %v", err)
	}
	var mu sync.Mutex
	effects := map[string]int{}
	cfg.Process = func(ctx context.Context, e receiver.Event) error {
		mu.Lock()
		effects[e.ID]++
		mu.Unlock()
		if *forward == "" {
			return nil
		}
		return fulfil(ctx, ts.MkAbs(*forward), e.ID)
	}
	rcv, err := receiver.New(cfg)
	ts.Check(err)
	ts.Defer(func() { _ = rcv.Close() })
	mux := http.NewServeMux()
	mux.Handle("/hook", rcv)
	mux.HandleFunc("/effects", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(effects)
	})
	return mux
}

// fulfil is a handler's downstream effect: POST /v1/fulfil keyed by the
// event id, at the URL on the first line of file.
func fulfil(ctx context.Context, file, id string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	base, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/fulfil", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Idempotency-Key", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
