package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/resilience/receiver"
)

// forwarding returns a handler whose effect is a call to upstream carrying
// the event id as Idempotency-Key; racy selects a check-then-insert race.
func forwarding(t *testing.T, upstream string, racy bool) http.Handler {
	t.Helper()
	call := func(ctx context.Context, id string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, upstream+"/v1/fulfil", nil)
		req.Header.Set("Idempotency-Key", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	if racy {
		h, _ := newFlawed(t, "github", "gh", flaws{raceGap: 250 * time.Millisecond})
		h.onEffect = func(id string) { _ = call(context.Background(), id) }
		return h
	}
	r, err := receiver.New(receiver.Config{Scheme: "github", Secret: "gh", Logger: quiet,
		Process: func(ctx context.Context, e receiver.Event) error { return call(ctx, e.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestJournalEffects(t *testing.T) {
	for _, racy := range []bool{false, true} {
		up := fault.NewServer(&fault.Plan{Routes: []fault.Route{{Name: "fulfil", Respond: &fault.Response{Status: 200}}}})
		h := forwarding(t, up.URL, racy)
		o := quick(serve(t, h), "github", "gh", JournalEffects(up.Journal()))
		o.Cases = []string{"valid", "concurrent-duplicates-4"}
		run := mustRun(t, o)
		up.Close()
		failed, _ := outcomes(run)
		if racy && (len(failed) != 1 || failed[0] != "concurrent-duplicates-4") {
			t.Fatalf("racy: failed = %v\n%s", failed, explain(run))
		}
		if !racy && len(failed) != 0 {
			t.Fatalf("reference: failed = %v\n%s", failed, explain(run))
		}
	}
}

func TestJournalEffectsRefusesATruncatedJournal(t *testing.T) {
	up := fault.NewServer(&fault.Plan{Routes: []fault.Route{{Name: "any", Respond: &fault.Response{Status: 200}}}}, fault.WithJournalSize(1))
	defer up.Close()
	for range 3 {
		resp, err := up.Client().Get(up.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if _, err := JournalEffects(up.Journal()).Effects(context.Background(), "x"); !errors.Is(err, ErrEffects) {
		t.Fatalf("err = %v, want ErrEffects", err)
	}
}
