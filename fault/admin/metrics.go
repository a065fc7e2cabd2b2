package admin

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts what a fault.Handler served, in Prometheus form, in a registry of
// its own (never the global one), so two servers in one test binary do not
// collide. Feed it with [fault.WithObserver]:
//
//	m := admin.NewMetrics()
//	h := fault.Wrap(nil, plan, fault.WithObserver(m.Observe))
//	http.Handle("/metrics", m)
//
// It exposes faultline_requests_total{route,status},
// faultline_faults_total{type} and the histogram
// faultline_request_duration_seconds{route}. A request whose connection was
// ended without a status line (reset, close, garbage, hang) is counted with
// status set to how it ended.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	faults   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	http     http.Handler

	// Children resolved once per label set, read without a lock: a label
	// lookup hashes every label value, and a read lock is two atomic
	// writes to a word every core shares, on each request; a request
	// reads one immutable snapshot instead, one map lookup for its
	// counter and its histogram. A label set seen for the first time is
	// resolved under mu into a new snapshot; Reset swaps in an empty one.
	// A request takes all its children from one snapshot, so its counter
	// and histogram always count in the same generation.
	mu       sync.Mutex
	children atomic.Pointer[childSet]
}

// childSet is one immutable snapshot of the resolved label sets.
type childSet struct {
	requests map[requestKey]requestChildren
	kinds    map[string]prometheus.Counter
}

func noChildren() *childSet {
	return &childSet{requests: map[requestKey]requestChildren{}, kinds: map[string]prometheus.Counter{}}
}

type requestKey struct {
	route string
	code  int
	end   string // with code 0: how the connection ended
}

// requestChildren are a request's series: its count by route and status,
// its duration by route.
type requestChildren struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// durationBuckets span a fast stub answer to a long hang.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewMetrics returns empty metrics with their own registry.
func NewMetrics() *Metrics {
	m := &Metrics{
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
			Buckets: durationBuckets,
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.faults, m.duration)
	m.children.Store(noChildren())
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Observe counts one journal entry. Pass it to [fault.WithObserver].
func (m *Metrics) Observe(e *journal.Entry) {
	key := requestKey{route: e.Route, code: e.Status}
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

// resolve returns a snapshot holding the children of key and of the
// faults' types: the current one with those it lacks added, as a copy
// (requests keep reading the one they loaded).
func (m *Metrics) resolve(key requestKey, faults []journal.Applied) *childSet {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.children.Load()
	c := &childSet{requests: maps.Clone(cur.requests), kinds: maps.Clone(cur.kinds)}
	if _, ok := c.requests[key]; !ok {
		status := key.end
		if key.code != 0 {
			status = strconv.Itoa(key.code)
		}
		c.requests[key] = requestChildren{count: m.requests.WithLabelValues(key.route, status), duration: m.duration.WithLabelValues(key.route)}
	}
	for _, a := range faults {
		if _, ok := c.kinds[a.Type]; !ok {
			c.kinds[a.Type] = m.faults.WithLabelValues(a.Type)
		}
	}
	m.children.Store(c)
	return c
}

// Reset sets every counter and the histogram back to empty. A request
// counted while it runs counts either before it (and is cleared) or after.
func (m *Metrics) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests.Reset()
	m.faults.Reset()
	m.duration.Reset()
	m.children.Store(noChildren())
}

// Registry returns the registry the metrics live in, to add collectors to
// or to gather from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.http.ServeHTTP(w, r) }
