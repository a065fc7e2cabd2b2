package admin

import (
	"bufio"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
)

// vecMetrics is Metrics as it was before it counted in shards: a
// Prometheus CounterVec and HistogramVec, their children resolved once
// per label set. It is kept here, and only here, as the reference the
// sharded Metrics must expose exactly.
type vecMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	faults   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	http     http.Handler

	mu       sync.Mutex
	children atomic.Pointer[vecChildren]
}

type vecChildren struct {
	requests map[vecKey]vecRequest
	kinds    map[string]prometheus.Counter
}

type vecKey struct {
	route string
	code  int
	end   string
}

type vecRequest struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

func newVecMetrics() *vecMetrics {
	m := &vecMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_requests_total",
			Help: "Requests the fault upstream answered, by route and status (or how the connection ended).",
		}, []string{"route", "status"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_faults_total",
			Help: "Faults applied, by type.",
		}, []string{"type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "faultline_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.faults, m.duration)
	m.children.Store(&vecChildren{requests: map[vecKey]vecRequest{}, kinds: map[string]prometheus.Counter{}})
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func (m *vecMetrics) Observe(e *journal.Entry) {
	key := vecKey{route: e.Route, code: e.Status}
	if key.route == "" {
		key.route = "(unmatched)"
	}
	if e.Status == 0 {
		key.end = e.End
	}
	c := m.children.Load()
	rc, ok := c.requests[key]
	for i := 0; ok && i < len(e.Faults); i++ {
		_, ok = c.kinds[e.Faults[i].Type]
	}
	if !ok {
		c = m.resolve(key, e.Faults)
		rc = c.requests[key]
	}
	rc.count.Inc()
	for _, a := range e.Faults {
		c.kinds[a.Type].Inc()
	}
	rc.duration.Observe(e.Duration.Seconds())
}

func (m *vecMetrics) resolve(key vecKey, faults []journal.Applied) *vecChildren {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.children.Load()
	c := &vecChildren{requests: maps.Clone(cur.requests), kinds: maps.Clone(cur.kinds)}
	if _, ok := c.requests[key]; !ok {
		status := key.end
		if key.code != 0 {
			status = strconv.Itoa(key.code)
		}
		c.requests[key] = vecRequest{count: m.requests.WithLabelValues(key.route, status), duration: m.duration.WithLabelValues(key.route)}
	}
	for _, a := range faults {
		if _, ok := c.kinds[a.Type]; !ok {
			c.kinds[a.Type] = m.faults.WithLabelValues(a.Type)
		}
	}
	m.children.Store(c)
	return c
}

func (m *vecMetrics) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests.Reset()
	m.faults.Reset()
	m.duration.Reset()
	m.children.Store(&vecChildren{requests: map[vecKey]vecRequest{}, kinds: map[string]prometheus.Counter{}})
}

func (m *vecMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.http.ServeHTTP(w, r) }

// edgeDurations are every bucket bound, exactly and a nanosecond either
// side, and durations past the last bound.
func edgeDurations() []time.Duration {
	var out []time.Duration
	for _, b := range durationBuckets {
		d := time.Duration(math.Round(b * 1e9))
		out = append(out, d-1, d, d+1)
	}
	return append(out, 0, 61*time.Second, 10*time.Minute)
}

// spreadEntry is an entry of any route (or none), status (or how its
// connection ended, for every end), up to three faults of any type, and a
// duration on a bucket's edge or spread over 1µs..100s.
func spreadEntry(rng *rand.Rand) *journal.Entry {
	ends := []string{journal.EndComplete, journal.EndReset, journal.EndClosed, journal.EndTruncated,
		journal.EndGarbage, journal.EndHung, journal.EndClientGone, journal.EndBodyTimeout}
	kinds := []string{"latency", "status", "reset", "rate_limit", "body", "hang", "close"}
	e := &journal.Entry{Route: someRoutes[rng.IntN(len(someRoutes))], Status: someStatuses[rng.IntN(len(someStatuses))],
		End: ends[rng.IntN(len(ends))]}
	if edges := edgeDurations(); rng.IntN(3) == 0 {
		e.Duration = edges[rng.IntN(len(edges))]
	} else {
		e.Duration = time.Duration(math.Pow(10, 3+8*rng.Float64())) // 1µs..100s, as many per decade
	}
	for range rng.IntN(4) {
		e.Faults = append(e.Faults, journal.Applied{Type: kinds[rng.IntN(len(kinds))]})
	}
	return e
}

// exposition is h's /metrics page, and the sum of each histogram pulled
// out of it: the page has "SUM" in its place.
func exposition(t *testing.T, h http.Handler) (string, map[string]float64) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	var page strings.Builder
	sums := map[string]float64{}
	lines := bufio.NewScanner(rec.Body)
	for lines.Scan() {
		line := lines.Text()
		if series, value, ok := strings.Cut(line, " "); ok && strings.Contains(series, "_sum{") {
			v, err := strconv.ParseFloat(value, 64)
			require.NoError(t, err, line)
			sums[series] = v
			line = series + " SUM"
		}
		page.WriteString(line + "\n")
	}
	return page.String(), sums
}

// exactSums are the durations observed per route, added up in integer
// nanoseconds (in any order, the same total).
type exactSums map[string]time.Duration

func (s exactSums) add(e *journal.Entry) {
	route := e.Route
	if route == "" {
		route = "(unmatched)"
	}
	s[`faultline_request_duration_seconds_sum{route="`+route+`"}`] += e.Duration
}

// sameExposition holds the two pages equal but for their sums; ours is
// the exact sum, in float seconds as time.Duration.Seconds makes it; the
// reference's, which adds float seconds one request at a time and rounds
// each time, is within 1e-9 of it, relative.
func sameExposition(t *testing.T, ref *vecMetrics, m *Metrics, exact exactSums, when string) {
	t.Helper()
	wantPage, wantSums := exposition(t, ref)
	gotPage, gotSums := exposition(t, m)
	require.Equal(t, wantPage, gotPage, when)
	require.Len(t, gotSums, len(exact), when)
	for series, d := range exact {
		assert.Equal(t, d.Seconds(), gotSums[series], "%s: %s", when, series)
		assert.InEpsilon(t, d.Seconds(), wantSums[series], 1e-9, "%s: %s in the reference", when, series)
	}
}

// TestMetricsExposeWhatVecsExposed feeds one sequence of entries (seeded,
// every route, status, end and fault type, durations on every bucket's
// edge and over eight decades) to the sharded Metrics and to the
// CounterVec/HistogramVec reference: in turns from one goroutine, then a
// Reset, then from four at once, then one again, and compares the text
// exposition after each: names, help, types, labels, bucket bounds,
// counts byte for byte; sums as sameExposition says.
func TestMetricsExposeWhatVecsExposed(t *testing.T) {
	ref, m, exact := newVecMetrics(), NewMetrics(), exactSums{}
	observe := func(rng *rand.Rand, n int) {
		for range n {
			e := spreadEntry(rng)
			ref.Observe(e)
			m.Observe(e)
		}
	}
	track := func(seed uint64, n int) {
		rng := rand.New(rand.NewPCG(seed, 7))
		for range n {
			exact.add(spreadEntry(rng))
		}
	}

	sameExposition(t, ref, m, exact, "empty")
	observe(rand.New(rand.NewPCG(1, 7)), 3000)
	track(1, 3000)
	sameExposition(t, ref, m, exact, "seed 1, one goroutine")

	ref.Reset()
	m.Reset()
	exact = exactSums{}
	sameExposition(t, ref, m, exact, "after a reset")

	var wg sync.WaitGroup
	for g := range uint64(4) {
		wg.Go(func() { observe(rand.New(rand.NewPCG(10+g, 7)), 3000) })
		track(10+g, 3000)
	}
	wg.Wait()
	sameExposition(t, ref, m, exact, "seeds 10-13, four goroutines")

	observe(rand.New(rand.NewPCG(2, 7)), 500)
	track(2, 500)
	sameExposition(t, ref, m, exact, "seed 2, one goroutine again")
}

// TestMetricsScrapeWhileCounting scrapes /metrics over and over while
// four goroutines count (run with -race). Every scrape holds, per route,
// a histogram whose cumulative buckets never fall and end at its count,
// and whose count is the route's requests summed over statuses (each
// read once from the same shards); and no series counts less than it
// did in an earlier scrape. Across series, a scrape is no snapshot: the
// faults of a request may show before or after its request.
func TestMetricsScrapeWhileCounting(t *testing.T) {
	m := NewMetrics()
	var wg sync.WaitGroup
	var stop atomic.Bool
	for g := range uint64(4) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(20+g, 7))
			for !stop.Load() {
				m.Observe(spreadEntry(rng))
			}
		})
	}
	before := map[string]float64{}
	for n := range 50 {
		fams := scrape(t, m)
		requests := map[string]float64{}
		for _, s := range fams["faultline_requests_total"].GetMetric() {
			requests[label(s, "route")] += s.GetCounter().GetValue()
		}
		for _, s := range fams["faultline_request_duration_seconds"].GetMetric() {
			h, route := s.GetHistogram(), label(s, "route")
			var below uint64
			for _, b := range h.GetBucket() {
				require.GreaterOrEqual(t, b.GetCumulativeCount(), below, "scrape %d, route %s, le %g", n, route, b.GetUpperBound())
				below = b.GetCumulativeCount()
			}
			require.Equal(t, h.GetSampleCount(), below, "scrape %d, route %s: the +Inf bucket and the count", n, route)
			require.Equal(t, float64(h.GetSampleCount()), requests[route], "scrape %d, route %s: histogram count and requests", n, route)
		}
		for name, v := range flat(fams) {
			require.GreaterOrEqual(t, v, before[name], "scrape %d: %s went back", n, name)
			before[name] = v
		}
	}
	stop.Store(true)
	wg.Wait()
	require.Greater(t, len(before), 40, "many series were scraped")
}

// label is the value of s's label name.
func label(s *dto.Metric, name string) string {
	for _, l := range s.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// flat is every count in fams by series: counters' values, histograms'
// counts and cumulative buckets.
func flat(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range fams {
		for _, s := range f.GetMetric() {
			series := name + "{" + label(s, "route") + "," + label(s, "status") + "," + label(s, "type") + "}"
			if h := s.GetHistogram(); h != nil {
				out[series] = float64(h.GetSampleCount())
				for _, b := range h.GetBucket() {
					out[series+strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)] = float64(b.GetCumulativeCount())
				}
				continue
			}
			out[series] = s.GetCounter().GetValue()
		}
	}
	return out
}
