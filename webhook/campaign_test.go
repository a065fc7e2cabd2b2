package webhook

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/report"
	"github.com/faultline-dev/faultline/resilience/receiver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const stripeSecret = "whsec_campaign_test_secret"

// quick keeps the campaign small and fast for tests.
func quick(target, scheme, secret string, eff EffectCounter) Options {
	return Options{
		Target: target, Scheme: scheme, Secret: secret, Effects: eff,
		Deadline: time.Second, Settle: 30 * time.Millisecond,
		FloodRate: 200, FloodFor: 200 * time.Millisecond, Valid: 5, LargeBody: 512 << 10,
		Seed: 7,
	}
}

func mustRun(t *testing.T, o Options) *report.Run {
	t.Helper()
	run, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// outcomes returns case names by status.
func outcomes(run *report.Run) (failed, skipped []string) {
	for _, sc := range run.Scenarios {
		switch sc.Status {
		case report.Failed:
			failed = append(failed, sc.Name)
		case report.Skipped:
			skipped = append(skipped, sc.Name)
		}
	}
	sort.Strings(failed)
	sort.Strings(skipped)
	return failed, skipped
}

func explain(run *report.Run) string {
	var b strings.Builder
	for _, sc := range run.Scenarios {
		b.WriteString(string(sc.Status) + " " + sc.Name + " " + sc.Error + sc.SkipReason + "\n")
		for _, c := range sc.Checks {
			b.WriteString("    " + string(c.Status) + " " + c.Name + ": " + c.Observed + " " + c.Message + "\n")
		}
	}
	return b.String()
}

// referenceDeadline is the ack deadline for runs against a correct
// receiver, which answers in milliseconds: under -race with both cores busy
// a flood of 40 deliveries took up to 1.1 s to be answered, past quick's
// 1 s, and the reference "failed" the flood case.
const referenceDeadline = 10 * time.Second

func TestReferenceReceiverPassesEveryScheme(t *testing.T) {
	secrets := map[string]string{"stripe": stripeSecret, "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "github": "gh", "shopify": "shop", "slack": "slack"}
	for scheme, secret := range secrets {
		t.Run(scheme, func(t *testing.T) {
			h, eff := referenceHandler(t, scheme, secret)
			o := quick(serve(t, h), scheme, secret, eff)
			o.Deadline = referenceDeadline
			run := mustRun(t, o)
			failed, skipped := outcomes(run)
			if len(failed) > 0 {
				t.Fatalf("reference receiver failed %v:\n%s", failed, explain(run))
			}
			for _, s := range skipped {
				if !slices.Contains([]string{"sha1-downgrade", "stale-timestamp", "future-timestamp", "rotated-signatures"}, s) {
					t.Errorf("case %s skipped", s)
				}
			}
			if run.Kind != "webhook" || run.Seed != 7 || len(run.Scenarios) < 20 {
				t.Fatalf("run = %+v", run)
			}
		})
	}
}

func TestRacyCheckThenInsertFailsConcurrentDuplicates(t *testing.T) {
	h, eff := newFlawed(t, "stripe", stripeSecret, flaws{raceGap: 250 * time.Millisecond})
	run := mustRun(t, quick(serve(t, h), "stripe", stripeSecret, eff))
	failed, _ := outcomes(run)
	want := []string{"concurrent-duplicates-16", "concurrent-duplicates-2", "concurrent-duplicates-4", "concurrent-duplicates-8"}
	if !slices.Equal(failed, want) {
		t.Fatalf("failed = %v, want %v\n%s", failed, want, explain(run))
	}
}

func TestNoSignatureCheckFailsForgeries(t *testing.T) {
	h, eff := newFlawed(t, "stripe", stripeSecret, flaws{noVerify: true})
	run := mustRun(t, quick(serve(t, h), "stripe", stripeSecret, eff))
	failed, _ := outcomes(run)
	want := []string{"malformed-signature", "missing-signature", "other-scheme", "stale-timestamp", "tampered-body", "wrong-secret"}
	if !slices.Equal(failed, want) {
		t.Fatalf("failed = %v, want %v\n%s", failed, want, explain(run))
	}
	// stripe-go accepts future timestamps, so accepting one is a warning.
	future := scenario(t, run, "future-timestamp")
	if future.Status != report.Passed || !future.Checks[0].Warning || !strings.Contains(future.Checks[0].Message, "stripe-go") {
		t.Fatalf("future-timestamp = %+v", future)
	}
}

func TestSlowSynchronousHandlerFailsAckDeadlines(t *testing.T) {
	h, eff := newFlawed(t, "stripe", stripeSecret, flaws{work: 300 * time.Millisecond})
	o := quick(serve(t, h), "stripe", stripeSecret, eff)
	o.Deadline = 150 * time.Millisecond
	o.Valid, o.FloodFor, o.Duplicates = 2, 100*time.Millisecond, []int{4}
	run := mustRun(t, o)
	failed, _ := outcomes(run)
	// Every case whose valid delivery reaches the slow body misses the
	// deadline. Forgeries are refused before the work, so they pass, and so
	// does redelivery: the provider's retry after a timeout finds the event
	// claimed and the single effect lands late but once.
	want := []string{"concurrent-duplicates-4", "duplicate-sequential", "flood", "large-body", "malformed-json", "out-of-order",
		"rotated-signatures", "unknown-event-type", "valid", "wrong-content-type"}
	if !slices.Equal(failed, want) {
		t.Fatalf("failed = %v, want %v\n%s", failed, want, explain(run))
	}
}

func TestClaimThenFailLosesTheRedelivery(t *testing.T) {
	h, eff := newFlawed(t, "github", "gh", flaws{failFirst: true})
	o := quick(serve(t, h), "github", "gh", eff)
	o.Cases = []string{"redelivery-after-5xx"}
	run := mustRun(t, o)
	failed, _ := outcomes(run)
	if !slices.Equal(failed, []string{"redelivery-after-5xx"}) {
		t.Fatalf("failed = %v\n%s", failed, explain(run))
	}
	sc := scenario(t, run, "redelivery-after-5xx")
	if len(sc.Timeline) != 2 || sc.Timeline[0].Label != "500" || sc.Timeline[1].Label != "200" {
		t.Fatalf("timeline = %+v", sc.Timeline)
	}
}

func TestWithoutCounterEffectCasesAreSkipped(t *testing.T) {
	h, _ := referenceHandler(t, "stripe", stripeSecret)
	run := mustRun(t, quick(serve(t, h), "stripe", stripeSecret, nil))
	_, skipped := outcomes(run)
	for _, name := range []string{"duplicate-sequential", "concurrent-duplicates-2", "concurrent-duplicates-16", "redelivery-after-5xx"} {
		if !slices.Contains(skipped, name) {
			t.Errorf("%s not skipped without an effect counter", name)
		}
	}
	valid := scenario(t, run, "valid")
	for _, c := range valid.Checks {
		if strings.Contains(c.Name, "effect") && c.Status != report.Skipped {
			t.Errorf("valid: effect check %q is %s without a counter", c.Name, c.Status)
		}
	}
}

func scenario(t *testing.T, run *report.Run, name string) report.Scenario {
	t.Helper()
	for _, sc := range run.Scenarios {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return report.Scenario{}
}

// TestNoEffectCounterSkipReason: without an effect counter, a case judged
// only by effect counts is skipped with NoEffectCounter (nothing judged, its
// reproduce line kept), and a case with other checks keeps them and skips
// only its effect check, whose message is the same text. Given a counter,
// against a fresh handler, neither is skipped and both effects are judged.
func TestNoEffectCounterSkipReason(t *testing.T) {
	h, _ := referenceHandler(t, "stripe", stripeSecret)
	o := quick(serve(t, h), "stripe", stripeSecret, nil)
	o.Cases, o.Valid = []string{"valid", "duplicate-sequential"}, 2
	o.Reproduce = func(name string) string { return "again " + name }
	run := mustRun(t, o)
	dup := scenario(t, run, "duplicate-sequential")
	if dup.Status != report.Skipped || dup.SkipReason != NoEffectCounter || len(dup.Checks) != 0 || len(dup.Evidence) != 0 {
		t.Fatalf("duplicate-sequential without a counter: want skipped with NoEffectCounter and nothing sent, got %+v", dup)
	}
	if dup.Reproduce != "again duplicate-sequential" {
		t.Errorf("a skipped case's reproduce line = %q", dup.Reproduce)
	}
	valid := scenario(t, run, "valid")
	if valid.SkipReason != "" || checkNamed(t, valid, "acknowledged").Status != report.Passed {
		t.Fatalf("valid without a counter still delivers and judges its answers:\n%s", explain(run))
	}
	if c := checkNamed(t, valid, "exactly one effect"); c.Status != report.Skipped || c.Message != NoEffectCounter || c.Expected != "exactly one effect" {
		t.Fatalf("valid's effect check without a counter = %+v", c)
	}
	if strings.Contains(NoEffectCounter, "--") {
		t.Errorf("NoEffectCounter names a flag: %q", NoEffectCounter)
	}

	h, eff := referenceHandler(t, "stripe", stripeSecret)
	o.Target, o.Effects = serve(t, h), eff
	run = mustRun(t, o)
	for _, name := range o.Cases {
		sc := scenario(t, run, name)
		if c := checkNamed(t, sc, "exactly one effect"); sc.SkipReason != "" || c.Status != report.Passed || c.Message != "" {
			t.Errorf("%s with a counter: skip reason %q, effect check %+v\n%s", name, sc.SkipReason, c, explain(run))
		}
	}
}

// checkNamed returns sc's check called name.
func checkNamed(t *testing.T, sc report.Scenario, name string) report.Check {
	t.Helper()
	for _, c := range sc.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s: no check %q", sc.Name, name)
	return report.Check{}
}

func TestReferenceReceiverPassesGenericHMAC(t *testing.T) {
	cfg := HMAC{Header: "X-Signature", Prefix: "sha256=", Encoding: "base64", Signed: "{timestamp}.{body}", TimestampHeader: "X-Timestamp", IDHeader: "X-Event-Id"}
	c := newCounts()
	r, err := receiver.New(receiver.Config{Scheme: "hmac", Secret: "k", HMAC: cfg, Logger: quiet, MaxBody: 256 << 10,
		Process: func(_ context.Context, e receiver.Event) error { c.inc(e.ID); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	o := quick(serve(t, r), "hmac", "k", c)
	o.HMAC = cfg
	o.Deadline = referenceDeadline
	run := mustRun(t, o)
	failed, skipped := outcomes(run)
	if len(failed) > 0 || !slices.Equal(skipped, []string{"rotated-signatures", "sha1-downgrade"}) {
		t.Fatalf("failed %v, skipped %v:\n%s", failed, skipped, explain(run))
	}
}

// TestStalledAnswerIsNotAcknowledged: a handler that sends "200" headers
// with Content-Length: 1000 and then a byte at a time never finishes its
// answer within the deadline, so nothing it "answered" counts as
// acknowledged or answered.
func TestStalledAnswerIsNotAcknowledged(t *testing.T) {
	stall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		for range 1000 {
			if _, err := w.Write([]byte("a")); err != nil {
				return
			}
			_ = http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	o := quick(serve(t, stall), "stripe", stripeSecret, nil)
	o.Deadline = 200 * time.Millisecond
	o.Valid = 2
	o.Cases = []string{"valid", "unknown-event-type", "malformed-json"}
	run := mustRun(t, o)
	failed, _ := outcomes(run)
	if !slices.Equal(failed, []string{"malformed-json", "unknown-event-type", "valid"}) {
		t.Fatalf("failed = %v\n%s", failed, explain(run))
	}
	for _, sc := range run.Scenarios {
		for _, c := range sc.Checks {
			if c.Status == report.Passed && strings.Contains(c.Observed, "deadline") {
				t.Errorf("%s: %s passed on %q", sc.Name, c.Name, c.Observed)
			}
		}
	}
	if !strings.Contains(explain(run), "200 headers, then no answer (deadline)") {
		t.Errorf("the observation says the answer stalled:\n%s", explain(run))
	}
}
