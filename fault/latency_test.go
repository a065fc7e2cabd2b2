package fault

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// TestLatencyDelaysResponse: the response waits out the drawn delay on the
// handler's clock, and a rule that does not fire makes no wait at all.
func TestLatencyDelaysResponse(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - latency: {fixed: 60ms}\n", WithClock(clock))
	assert.Equal(t, "60ms", answeredAt(t, clock, s, 59, 1), "answered when the clock reached the delay")
	e := settled(t, s)
	assert.Equal(t, 60*time.Millisecond, e[0].Duration)
	assert.Equal(t, 200, e[0].Status)

	plain := servePlan(t, okRoute+"      - when: {first: 0, requests: '99'}\n        latency: {fixed: 60ms}\n", WithClock(clock))
	code, _, err := getWithin(t, plain, "/x")
	require.NoError(t, err, "a rule that does not fire must not wait on the clock")
	assert.Equal(t, 200, code)
	assert.Zero(t, settled(t, plain)[0].Duration)
}

// TestLatencyCountsFromArrival: the delay runs from the request's arrival,
// so time the handler spends before the fault waits (here 30ms on the
// clock, as a scheduler's pause would) is part of it, not added to it.
// Behind another fault a latency adds its delay in full: two delays add up.
func TestLatencyCountsFromArrival(t *testing.T) {
	clock := newFakeClock()
	busy := WithInspect(func(r *http.Request) (*http.Request, map[string]string) {
		clock.Advance(30 * time.Millisecond) // work between arrival and the fault
		return r, nil
	})
	s := servePlan(t, okRoute+"      - latency: {fixed: 60ms}\n", WithClock(clock), busy)
	assert.Equal(t, "60ms", answeredAt(t, clock, s, 29, 1), "answered 60ms after arrival, not 60ms after the fault began")
	assert.Equal(t, 60*time.Millisecond, settled(t, s)[0].Duration)

	// 50ms then 30ms, 30ms of work first: the first waits its last 20ms, the
	// second its full 30ms, answered at 80ms (counting both from arrival
	// would answer at 50ms, neither at 110ms).
	two := servePlan(t, okRoute+"      - latency: {fixed: 50ms}\n      - latency: {fixed: 30ms}\n", WithClock(clock), busy)
	assert.Equal(t, "80ms", answeredAt(t, clock, two, 19, 1, 29, 1))
	assert.Equal(t, 80*time.Millisecond, settled(t, two)[0].Duration)
}

// answeredAt asks s for /x and moves the clock on by each step (in ms)
// once a wait is pending on it, and returns how far the clock had moved
// when the answer came.
func answeredAt(t *testing.T, clock fakeClock, s *Server, steps ...time.Duration) string {
	t.Helper()
	start := clock.Now()
	answered := inBackground(t, func() string { _, _, _ = getWithin(t, s, "/x"); return clock.Now().Sub(start).String() })
	for _, step := range steps {
		clock.waiting(t, 1) // still held
		clock.Advance(step * time.Millisecond)
	}
	return arrived(t, answered)
}

// TestLatencyInBodyKeepsFirstByteFast: with where: body the headers and the
// first tenth of the body leave after a tenth of the delay; the rest follows
// one tenth at a time.
func TestLatencyInBodyKeepsFirstByteFast(t *testing.T) {
	clock := newFakeClock()
	payload := strings.Repeat("0123456789", 10) // ten chunks of ten bytes
	s := servePlan(t, "routes:\n  - path: /x\n    respond: {status: 200, body: \""+payload+"\"}\n    faults:\n"+
		"      - latency: {fixed: 100ms, where: body}\n", WithClock(clock))
	headers := make(chan *http.Response, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		assert.NoError(t, err)
		headers <- resp
	}()
	clock.waiting(t, 1)
	clock.Advance(10 * time.Millisecond)
	resp := arrived(t, headers) // nobody moves the clock further: the headers need only the first tenth
	require.NotNil(t, resp)
	defer resp.Body.Close()
	first := make([]byte, 10)
	_, err := io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(first))
	rest := inBackground(t, func() string { b, _ := io.ReadAll(resp.Body); return string(b) })
	for range 9 {
		clock.waiting(t, 1)
		clock.Advance(10 * time.Millisecond)
	}
	assert.Equal(t, payload[10:], arrived(t, rest))
	assert.Equal(t, 100*time.Millisecond, settled(t, s)[0].Duration)
}

func TestDistributions(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	draw := func(d distribution) (p50, p99 time.Duration) {
		xs := make([]time.Duration, 20000)
		for i := range xs {
			xs[i] = d.Draw(rnd)
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		return xs[len(xs)/2], xs[len(xs)*99/100]
	}
	p50, p99 := draw(distribution{Median: 100 * time.Millisecond, P99: 400 * time.Millisecond})
	assert.InDelta(t, 100, p50.Milliseconds(), 5)
	assert.InDelta(t, 400, p99.Milliseconds(), 40)
	p50, _ = draw(distribution{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond})
	assert.InDelta(t, 15, p50.Milliseconds(), 1)
	p50, _ = draw(distribution{Mean: 50 * time.Millisecond, Std: 5 * time.Millisecond})
	assert.InDelta(t, 50, p50.Milliseconds(), 1)
}

func TestLatencyCutShortByShutdownIsNotA200(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: {fixed: 10s}\n"))
	require.NoError(t, err)
	s := NewServer(p)
	errc := make(chan error, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("got %s, want the connection closed", resp.Status)
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return s.Journal().Seq() == 1 }, time.Second, time.Millisecond)
	s.Close()
	err = <-errc
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "got 200", "a held request must not be answered with an empty 200")
	e := s.Journal().Entries()
	require.Len(t, e, 1)
	assert.Equal(t, journal.EndClosed, e[0].End)
}

// A fixed delay's note is formatted once, at load, as fmt formats a
// Duration rounded to the microsecond: the journal reads as before.
func TestFixedLatencyNoteReadsAsBefore(t *testing.T) {
	for _, d := range []string{"1ns", "1499ns", "1500ns", "250us", "1.2345678ms", "3ms"} {
		s := servePlan(t, okRoute+"      - latency: {fixed: "+d+"}\n")
		code, _, err := getWithin(t, s, "/x")
		require.NoError(t, err)
		require.Equal(t, 200, code)
		parsed, err := time.ParseDuration(d)
		require.NoError(t, err)
		e := settled(t, s)
		assert.Equal(t, fmt.Sprint(parsed.Round(time.Microsecond)), e[0].Faults[0].Params["delay"], d)
	}
}

// A fixed delay's request allocates two fewer times than a drawn one's
// (the same delay, uniform between 1ms and 1ms): no Duration boxed and
// formatted per request.
func TestFixedLatencyNotesWithoutFormatting(t *testing.T) {
	allocs := func(fault string) float64 {
		p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: "+fault+"\n"))
		require.NoError(t, err)
		h := Wrap(nil, p)
		return testing.AllocsPerRun(200, func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		})
	}
	fixed, drawn := allocs("{fixed: 1ms}"), allocs("{uniform: {min: 1ms, max: 1ms}}")
	assert.LessOrEqual(t, fixed, drawn-2, "allocations per request: fixed %.1f, drawn %.1f", fixed, drawn)
}
