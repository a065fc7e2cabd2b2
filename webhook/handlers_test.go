package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/resilience/receiver"
)

// The handlers the campaign is tested against. Each has one well-known
// flaw (or none, for the reference receiver) and counts its effects.

// counts is an effect counter shared by a handler and the campaign.
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounts() *counts { return &counts{n: map[string]int{}} }

func (c *counts) inc(id string) {
	c.mu.Lock()
	c.n[id]++
	c.mu.Unlock()
}

func (c *counts) Effects(_ context.Context, id string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id], nil
}

var quiet = slog.New(slog.DiscardHandler)

// referenceHandler is resilience/receiver, the handler that should pass.
func referenceHandler(t *testing.T, scheme, secret string) (http.Handler, *counts) {
	t.Helper()
	c := newCounts()
	r, err := receiver.New(receiver.Config{
		Scheme: scheme, Secret: secret, Logger: quiet, MaxBody: 256 << 10,
		Process: func(_ context.Context, e receiver.Event) error { c.inc(e.ID); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, c
}

// flaws are the switchable flaws of a flawed handler.
type flaws struct {
	noVerify  bool          // accepts any signature
	raceGap   time.Duration // check-then-insert race: the longest wait between checking and inserting the id (see isDuplicate)
	work      time.Duration // synchronous processing before answering
	failFirst bool          // claims the id, then fails the first processing with 500 and keeps the claim
}

// flawed is a synchronous handler with switchable flaws.
type flawed struct {
	flaws
	scheme   webhooksig.Scheme
	effects  *counts
	onEffect func(id string) // called for each effect, when set

	mu       sync.Mutex
	seen     map[string]bool
	checking map[string]chan struct{} // ids checked and not yet inserted (racy handler only)
	failed   bool
}

func newFlawed(t *testing.T, scheme, secret string, fl flaws) (*flawed, *counts) {
	t.Helper()
	s, err := webhooksig.New(scheme, secret, webhooksig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &flawed{flaws: fl, scheme: s, effects: newCounts(), seen: map[string]bool{}, checking: map[string]chan struct{}{}}
	return f, f.effects
}

func (f *flawed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 256<<10))
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if !f.noVerify {
		if err := f.scheme.Verify(r.Header, body, time.Now()); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	id, err := f.scheme.EventID(r.Header, body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if f.isDuplicate(id) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if f.failFirst && f.firstFailure() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	time.Sleep(f.work)
	f.effects.inc(id)
	if f.onEffect != nil {
		f.onEffect(id)
	}
	w.WriteHeader(http.StatusOK)
}

// isDuplicate checks and records id: atomically, unless raceGap is set.
//
// With raceGap, the check and the insert are separate steps (a SELECT, then
// an INSERT), and the race between them is made certain rather than left to
// timing: a copy that finds the id unseen waits until another copy of the
// same event has checked too (then both go on to apply the event), or
// raceGap at most. So concurrent copies race however the machine schedules
// them, as long as they arrive within raceGap of each other, and a lone
// delivery is only raceGap slower.
func (f *flawed) isDuplicate(id string) bool {
	f.mu.Lock()
	if f.seen[id] {
		f.mu.Unlock()
		return true
	}
	if f.raceGap == 0 {
		f.seen[id] = true
		f.mu.Unlock()
		return false
	}
	if first, ok := f.checking[id]; ok {
		close(first) // the first copy checked too: both insert
		delete(f.checking, id)
		f.mu.Unlock()
	} else {
		mine := make(chan struct{})
		f.checking[id] = mine
		f.mu.Unlock()
		f.awaitSecondCopy(id, mine)
	}
	f.mu.Lock()
	f.seen[id] = true
	f.mu.Unlock()
	return false
}

// awaitSecondCopy waits until another copy of id checks (closing mine) or
// raceGap passes.
func (f *flawed) awaitSecondCopy(id string, mine chan struct{}) {
	t := time.NewTimer(f.raceGap)
	defer t.Stop()
	select {
	case <-mine:
	case <-t.C:
		f.mu.Lock()
		if f.checking[id] == mine {
			delete(f.checking, id)
		}
		f.mu.Unlock()
	}
}

func (f *flawed) firstFailure() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed {
		return false
	}
	f.failed = true
	return true
}

// serve starts h on 127.0.0.1 for the test.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
