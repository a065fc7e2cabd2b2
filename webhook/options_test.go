package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/report"
)

func TestRunRejectsBadOptions(t *testing.T) {
	base := Options{Target: "http://127.0.0.1:1/hook", Scheme: "stripe", Secret: "whsec_x"}
	cases := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"relative target", func(o *Options) { o.Target = "/hook" }, `Target "/hook"`},
		{"ftp target", func(o *Options) { o.Target = "ftp://x/y" }, `Target "ftp://x/y"`},
		{"empty secret", func(o *Options) { o.Secret = "" }, "secret"},
		{"empty secret from env", func(o *Options) { o.Secret, o.SecretEnv = "", "STRIPE_WEBHOOK_SECRET" }, "set $STRIPE_WEBHOOK_SECRET"},
		{"unknown scheme", func(o *Options) { o.Scheme = "paypal" }, "paypal"},
		{"both counters", func(o *Options) { o.EffectsURL, o.EffectsCmd = "http://x", "echo 1" }, "not both"},
		{"duplicates out of range", func(o *Options) { o.Duplicates = []int{32} }, "2..16"},
		{"unknown case", func(o *Options) { o.Cases = []string{"vaild"} }, `unknown case "vaild"`},
		{"missing events file", func(o *Options) { o.EventsFile = "/nonexistent/events.yaml" }, "events file"},
	}
	for _, c := range cases {
		o := base
		c.mod(&o)
		_, err := Run(context.Background(), o)
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want a one-line ErrOptions mentioning %q", c.name, err, c.want)
		}
	}
}

func TestLoadEvents(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "events.yaml")
	_ = os.WriteFile(good, []byte("events:\n  - type: invoice.paid\n    payload: {amount: 2000, lines: [1, 2]}\n  - type: ping\n"), 0o600)
	evs, err := LoadEvents(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != "invoice.paid" || string(evs[0].Payload) != `{"amount":2000,"lines":[1,2]}` || string(evs[1].Payload) != `{}` {
		t.Fatalf("events = %+v", evs)
	}

	bad := map[string]string{
		"events:\n  - payload: {a: 1}\n":         "events.yaml:2:5: events[0].type is required",
		"events:\n  - type: x\n    paylod: {}\n": "events.yaml:3:5",
		"events: []\n":                           "at least one event",
	}
	for text, want := range bad {
		p := filepath.Join(dir, "events.yaml")
		_ = os.WriteFile(p, []byte(text), 0o600)
		_, err := LoadEvents(p)
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
}

// An events file's types reach the handler in the provider's envelope.
func TestEventsFileIsUsed(t *testing.T) {
	seen := make(chan string, 64)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-GitHub-Event")
		w.WriteHeader(200)
	})
	dir := t.TempDir()
	p := filepath.Join(dir, "events.json")
	_ = os.WriteFile(p, []byte(`{"events": [{"type": "deployment", "payload": {"ref": "main"}}]}`), 0o600)
	o := quick(serve(t, h), "github", "gh", nil)
	o.EventsFile, o.Cases = p, []string{"valid"}
	mustRun(t, o)
	close(seen)
	for ev := range seen {
		if ev != "deployment" {
			t.Fatalf("X-GitHub-Event = %q, want deployment", ev)
		}
	}
}

func TestEffectsURLContract(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"evt_a": 2}`)
	}))
	defer srv.Close()
	u := urlCounter{url: srv.URL, client: srv.Client()}
	if n, err := u.Effects(context.Background(), "evt_a"); err != nil || n != 2 {
		t.Fatalf("evt_a = %d, %v", n, err)
	}
	if n, err := u.Effects(context.Background(), "evt_b"); err != nil || n != 0 {
		t.Fatalf("absent id = %d, %v; want 0", n, err)
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `[1]`) }))
	defer broken.Close()
	if _, err := (urlCounter{url: broken.URL, client: broken.Client()}).Effects(context.Background(), "x"); !errors.Is(err, ErrEffects) {
		t.Fatalf("non-object answer: err = %v", err)
	}
}

func TestEffectsCmdContract(t *testing.T) {
	c := cmdCounter{cmd: `case {event_id} in "evt_'q") echo 3;; *) echo 0;; esac`}
	if n, err := c.Effects(context.Background(), "evt_'q"); err != nil || n != 3 {
		t.Fatalf("quoted id = %d, %v; want 3", n, err)
	}
	if n, err := c.Effects(context.Background(), "evt_other"); err != nil || n != 0 {
		t.Fatalf("other id = %d, %v; want 0", n, err)
	}
	if _, err := (cmdCounter{cmd: "echo many"}).Effects(context.Background(), "x"); !errors.Is(err, ErrEffects) {
		t.Fatalf("non-integer output: err = %v", err)
	}
	if _, err := (cmdCounter{cmd: "exit 3"}).Effects(context.Background(), "x"); !errors.Is(err, ErrEffects) {
		t.Fatalf("failing command: err = %v", err)
	}
}

// The campaign only ever contacts the target: a redirect is not followed.
func TestRedirectsAreNotFollowed(t *testing.T) {
	elsewhere := make(chan struct{}, 100)
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere <- struct{}{} }))
	defer other.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	})
	o := quick(serve(t, h), "github", "gh", nil)
	o.Cases = []string{"valid", "tampered-body"}
	run := mustRun(t, o)
	if len(elsewhere) != 0 {
		t.Fatalf("%d requests reached another host", len(elsewhere))
	}
	if f, _ := outcomes(run); len(f) != 2 {
		t.Fatalf("failed = %v, want both cases failed on 307", f)
	}
}

func TestSeedMakesIDsReproducible(t *testing.T) {
	ids := func() []string {
		c, err := newCampaign(Options{Target: "http://127.0.0.1:1", Scheme: "github", Secret: "gh", Seed: 42, Now: func() time.Time { return time.Unix(1, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		return []string{c.b.newID("a"), c.b.newID("a"), c.wrong}
	}
	a, b := ids(), ids()
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different ids: %v vs %v", a, b)
	}
	c, _ := newCampaign(Options{Target: "http://127.0.0.1:1", Scheme: "github", Secret: "gh", Seed: 43, Now: func() time.Time { return time.Unix(1, 0) }})
	if c.b.newID("a") == a[0] {
		t.Fatal("different seeds gave the same id")
	}
}

func TestCancelledContextStopsTheCampaign(t *testing.T) {
	h, _ := referenceHandler(t, "github", "gh")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	run, err := Run(ctx, quick(serve(t, h), "github", "gh", nil))
	if err != nil {
		t.Fatal(err)
	}
	if run.Passed() {
		t.Fatal("a cancelled campaign passed")
	}
}

// Over https the campaign, including the raw-connection release of
// concurrent duplicates, uses the client's TLS settings.
func TestHTTPSTarget(t *testing.T) {
	h, eff := referenceHandler(t, "shopify", "shop")
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	o := quick(srv.URL, "shopify", "shop", eff)
	o.Client = srv.Client()
	o.Cases = []string{"valid", "concurrent-duplicates-8"}
	run := mustRun(t, o)
	if f, _ := outcomes(run); len(f) != 0 {
		t.Fatalf("failed %v over https:\n%s", f, explain(run))
	}
	o.Client = nil // system roots do not trust the test certificate
	run = mustRun(t, o)
	if f, _ := outcomes(run); len(f) != 2 {
		t.Fatalf("failed = %v, want both cases failed on an untrusted certificate", f)
	}
}

// The secret never reaches the report or the logs.
func TestSecretStaysOutOfReportAndLogs(t *testing.T) {
	const secret = "whsec_do_not_leak_me_0123456789"
	h, eff := newFlawed(t, "stripe", secret, flaws{noVerify: true})
	var logs bytes.Buffer
	o := quick(serve(t, h), "stripe", secret, eff)
	o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.Reproduce = func(name string) string {
		return "faultline webhook --scheme stripe --secret-env STRIPE_SECRET --case " + name
	}
	run := mustRun(t, o)
	var rep bytes.Buffer
	if err := report.WriteJSON(&rep, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "event_id=") || !strings.Contains(rep.String(), "--case tampered-body") {
		t.Fatal("logs or report missing the expected content; the leak check would be vacuous")
	}
	for where, text := range map[string]string{"report": rep.String(), "logs": logs.String()} {
		if strings.Contains(text, secret) || strings.Contains(text, "do_not_leak") {
			t.Errorf("secret found in %s", where)
		}
	}
}
