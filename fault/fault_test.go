package fault

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okRoute = `
routes:
  - path: /x
    respond: {status: 200, json: {id: "ch_1", amount: 100, customer: {name: "a"}}}
    faults:
`

// TestStartAtFirstRequest: with WithStartAtFirstRequest, time windows count
// from the first request, however late it comes.
func TestStartAtFirstRequest(t *testing.T) {
	plan := okRoute + "      - outage: {after: 100ms, for: 100ms}\n"
	for _, lazy := range []bool{false, true} {
		clock := newFakeClock()
		opts := []Option{WithClock(clock)}
		if lazy {
			opts = append(opts, WithStartAtFirstRequest())
		}
		s := servePlan(t, plan, opts...)
		clock.Advance(time.Hour) // a slow client: the plan was set an hour ago
		var got []int
		for _, step := range []time.Duration{0, 100 * time.Millisecond, 99 * time.Millisecond, time.Millisecond} {
			clock.Advance(step)
			got = append(got, statuses(t, s, "/x", 1, nil)...)
		}
		if lazy {
			assert.Equal(t, []int{200, 503, 503, 200}, got, "the outage runs from 100ms to 200ms after the first request")
			assert.Equal(t, clock.Now().Add(-200*time.Millisecond), s.Handler.planStart())
		} else {
			assert.Equal(t, []int{200, 200, 200, 200}, got, "the outage was over before the client came")
		}
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct{ when, want string }{
		{"{first: 2}", "503 503 200 200 200 200"},
		{"{requests: '3..4'}", "200 200 503 503 200 200"},
		{"{requests: '5..'}", "200 200 200 200 503 503"},
		{"{every: 3}", "200 200 503 200 200 503"},
		{"{always: true}", "503 503 503 503 503 503"},
	}
	for _, c := range cases {
		t.Run(c.when, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - when: "+c.when+"\n        status: {code: 503}\n")
			assert.Equal(t, c.want, join(statuses(t, s, "/x", 6, nil)))
		})
	}
}

func TestSchedulePerIdempotencyKey(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {first: 1, per: 'header:Idempotency-Key'}\n        status: {code: 503}\n")
	a := statuses(t, s, "/x", 2, map[string]string{"Idempotency-Key": "a"})
	b := statuses(t, s, "/x", 2, map[string]string{"Idempotency-Key": "b"})
	assert.Equal(t, "503 200 503 200", join(append(a, b...)), "first attempt of every logical call fails")
}

func TestTimeWindow(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - when: {after: 80ms, for: 80ms}\n        status: {code: 503}\n", WithClock(clock))
	var got []string
	for _, step := range []time.Duration{0, 79 * time.Millisecond, time.Millisecond, 79 * time.Millisecond, time.Millisecond} {
		clock.Advance(step)
		got = append(got, join(statuses(t, s, "/x", 1, nil)))
	}
	assert.Equal(t, []string{"200", "200", "503", "503", "200"}, got, "503 from 80ms to 160ms after the start")
}

func TestProbabilityIsSeeded(t *testing.T) {
	pattern := func(seed string) string {
		s := servePlan(t, "seed: "+seed+"\n"+okRoute+"      - when: {probability: 0.5}\n        status: {code: 503}\n")
		return join(statuses(t, s, "/x", 24, nil))
	}
	a, b, c := pattern("7"), pattern("7"), pattern("8")
	assert.Equal(t, a, b, "same seed, same request order: same faults")
	assert.NotEqual(t, a, c, "another seed draws differently")
	assert.Contains(t, a, "503")
	assert.Contains(t, a, "200")
}

func TestRulesCompose(t *testing.T) {
	s := servePlan(t, okRoute+"      - latency: {fixed: 30ms}\n      - status: {code: 500}\n")
	start := time.Now()
	assert.Equal(t, "500", join(statuses(t, s, "/x", 1, nil)))
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	assert.Equal(t, "latency+status", s.Journal().Entries()[0].FaultNames())
}

func TestUnmatchedIs404WithRoutes(t *testing.T) {
	s := servePlan(t, okRoute)
	code, body, err := get(t, s, "/nope")
	require.NoError(t, err)
	assert.Equal(t, 404, code)
	assert.Contains(t, body, "/x")
}

func TestBodyLimit(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute))
	require.NoError(t, err)
	s := NewServer(p, WithMaxBody(16))
	defer s.Close()
	resp, err := s.Client().Post(s.URL+"/x", "text/plain", strings.NewReader(strings.Repeat("a", 17)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 413, resp.StatusCode)
	resp, err = s.Client().Post(s.URL+"/x", "text/plain", strings.NewReader("small"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

// TestShutdownDrainsInFlight: a request doing real work (here a slow base
// handler, as a proxied upstream is) finishes during a drain; only what a
// fault holds is cut.
func TestShutdownDrainsInFlight(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	s, err := Listen("127.0.0.1:0", Wrap(slow, &Plan{}), nil)
	require.NoError(t, err)
	done := make(chan int, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return s.Journal().Seq() == 1 }, time.Second, time.Millisecond)
	require.NoError(t, s.Shutdown(context.Background()))
	assert.Equal(t, 200, <-done)
}

func join(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = http.StatusText(c)[:0] + itoa(c)
	}
	return strings.Join(parts, " ")
}

// TestClockWaitCutAtClose: a wait on an injected clock ends when the server
// closes, as a wait on real time does.
func TestClockWaitCutAtClose(t *testing.T) {
	clock := newFakeClock()
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: {fixed: 1h}\n"))
	require.NoError(t, err)
	s := NewServer(p, WithClock(clock))
	failed := inBackground(t, func() error { _, _, err := getWithin(t, s, "/x"); return err })
	clock.waiting(t, 1)
	s.Close()
	assert.Error(t, arrived(t, failed), "the held request is cut, not answered")
}

// slowReturn is a fault that takes an hour (on the test's clock) to return
// after inner has answered: a handler descheduled after its answer left.
type slowReturn struct {
	inner Fault
	clock fakeClock
}

func (s slowReturn) Kind() string { return s.inner.Kind() }

func (s slowReturn) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	s.inner.Serve(w, r, c)
	s.clock.Advance(time.Hour)
}

// TestCutConnectionEndsTheEntry: a fault that cuts the connection ends the
// journal entry at the cut, not when the handler returns, so a client's
// immediate retry never seems to arrive before the attempt it follows
// ended (the backoff check measures waits from there).
func TestCutConnectionEndsTheEntry(t *testing.T) {
	for _, f := range []string{"reset: {}", "close: {}", "garbage: {bytes: 8}", "truncate: {bytes: 4}"} {
		t.Run(f, func(t *testing.T) {
			clock := newFakeClock()
			p, err := LoadPlan("p.yaml", []byte(okRoute+"      - "+f+"\n"))
			require.NoError(t, err)
			rule := &p.Routes[0].Rules[0]
			rule.Fault = slowReturn{inner: rule.Fault, clock: clock}
			s := NewServer(p, WithClock(clock))
			t.Cleanup(s.Close)
			_, _, err = get(t, s, "/x")
			require.Error(t, err)
			e := settled(t, s)
			require.Len(t, e, 1)
			assert.Less(t, e[0].Duration, time.Hour, "ended at the cut")
		})
	}
	clock := newFakeClock() // counterpart: an answer ends when the handler returns
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - status: {code: 503}\n"))
	require.NoError(t, err)
	p.Routes[0].Rules[0].Fault = slowReturn{inner: p.Routes[0].Rules[0].Fault, clock: clock}
	s := NewServer(p, WithClock(clock))
	t.Cleanup(s.Close)
	code, _, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 503, code)
	assert.Equal(t, time.Hour, settled(t, s)[0].Duration, "the response leaves when the handler returns")
}
