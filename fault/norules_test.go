package fault

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// twoRoutes has a route without rules beside one whose rule picks the
// route's second request: what the first route is sent must not move the
// second's schedule.
const twoRoutes = `
routes:
  - name: plain
    path: /plain
    respond: {json: {ok: true}}
  - name: timed
    path: /timed
    respond: {json: {ok: true}}
    faults:
      - when: {requests: "2"}
        status: {code: 503}
      - outage: {after: 100ms, for: 100ms}
`

func wrapTwoRoutes(t *testing.T, opts ...Option) *Handler {
	t.Helper()
	p, err := LoadPlan("test.yaml", []byte(twoRoutes))
	require.NoError(t, err)
	h := Wrap(nil, p, opts...)
	t.Cleanup(h.Close)
	return h
}

// serveAll sends a GET to each path in turn and returns the statuses.
func serveAll(h *Handler, paths ...string) []int {
	var codes []int
	for _, p := range paths {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		codes = append(codes, rec.Code)
	}
	return codes
}

// TestRouteWithoutRulesJournal: requests to a route without rules are
// served and journalled as every request is, and a route with rules
// beside it counts its own requests from 1 (its second request gets the
// 503, however many the other route had).
func TestRouteWithoutRulesJournal(t *testing.T) {
	h := wrapTwoRoutes(t, WithClock(newFakeClock())) // a clock that stands still: the outage stays ahead
	paths := []string{"/plain", "/timed", "/plain", "/plain", "/timed", "/timed", "/plain"}
	assert.Equal(t, []int{200, 200, 200, 200, 503, 200, 200}, serveAll(h, paths...))
	es := h.Journal().Entries()
	require.Len(t, es, len(paths))
	for i, e := range es {
		route, faulted := "plain", false
		if paths[i] == "/timed" {
			route, faulted = "timed", i == 4
		}
		assert.Equal(t, uint64(i+1), e.Seq, "entry %d", i)
		assert.Equal(t, paths[i], e.Path, "entry %d", i)
		assert.Equal(t, route, e.Route, "entry %d", i)
		assert.Equal(t, journal.EndComplete, e.End, "entry %d", i)
		assert.Equal(t, !faulted, e.Effect, "entry %d: the route's own response", i)
		if route == "plain" {
			assert.Empty(t, e.Faults, "entry %d", i)
			assert.Equal(t, 200, e.Status, "entry %d", i)
		}
	}
}

// TestRouteWithoutRulesCountsNothing: a route without rules keeps no
// schedule count, since no rule would read it (the lock, hash and map
// write it cost every request); a route with rules still counts.
func TestRouteWithoutRulesCountsNothing(t *testing.T) {
	h := wrapTwoRoutes(t, WithClock(newFakeClock()))
	serveAll(h, "/plain", "/timed", "/plain")
	routes := h.state.Load().routes
	assert.Zero(t, routes[0].counts.len(), "a route without rules counts nothing")
	assert.Equal(t, 1, routes[1].counts.len(), "a route with rules counts its requests")
}

// TestStartAtFirstRequestWithoutRules: a lazy plan's time windows start at
// its first request even when that request takes a route without rules.
func TestStartAtFirstRequestWithoutRules(t *testing.T) {
	clock := newFakeClock()
	h := wrapTwoRoutes(t, WithClock(clock), WithStartAtFirstRequest())
	clock.Advance(time.Hour) // the plan was set an hour before the first request
	_, ok := h.FirstRequest()
	require.False(t, ok)
	assert.Equal(t, []int{200}, serveAll(h, "/plain"))
	at, ok := h.FirstRequest()
	require.True(t, ok, "the first request, to a route without rules, starts the plan's windows")
	assert.True(t, at.Equal(clock.Now()), "started at %s, want %s", at, clock.Now())
	clock.Advance(150 * time.Millisecond)
	assert.Equal(t, []int{503}, serveAll(h, "/timed"), "150ms after the first request: inside the outage")
}
