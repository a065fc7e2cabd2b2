package admin

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/faultline-dev/faultline/fault"
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

	// Children resolved once per label set: a label lookup hashes every
	// label value on each request; a map of children is one lookup.
	mu    sync.RWMutex // write-held by Reset, so no count lands in a dropped child
	reqs  map[requestKey]prometheus.Counter
	durs  map[string]prometheus.Observer
	kinds map[string]prometheus.Counter
}

type requestKey struct {
	route string
	code  int
	end   string // with code 0: how the connection ended
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
	m.clearChildren()
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Observe counts one journal entry. Pass it to [fault.WithObserver].
func (m *Metrics) Observe(e *fault.Entry) {
	route := e.Route
	if route == "" {
		route = "(unmatched)"
	}
	key := requestKey{route: route, code: e.Status}
	if e.Status == 0 {
		key.end = e.End
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.requestCounter(key).Inc()
	for _, a := range e.Faults {
		m.faultCounter(a.Type).Inc()
	}
	m.durationObserver(route).Observe(e.Duration.Seconds())
}

// child returns cache[k], resolving it with make under a write lock the
// first time. The caller holds m.mu for reading.
func child[K comparable, V any](m *Metrics, cache map[K]V, k K, make func() V) V {
	if c, ok := cache[k]; ok {
		return c
	}
	m.mu.RUnlock()
	m.mu.Lock()
	c, ok := cache[k]
	if !ok {
		c = make()
		cache[k] = c
	}
	m.mu.Unlock()
	m.mu.RLock()
	return c
}

func (m *Metrics) requestCounter(k requestKey) prometheus.Counter {
	return child(m, m.reqs, k, func() prometheus.Counter {
		status := k.end
		if k.code != 0 {
			status = strconv.Itoa(k.code)
		}
		return m.requests.WithLabelValues(k.route, status)
	})
}

func (m *Metrics) faultCounter(kind string) prometheus.Counter {
	return child(m, m.kinds, kind, func() prometheus.Counter { return m.faults.WithLabelValues(kind) })
}

func (m *Metrics) durationObserver(route string) prometheus.Observer {
	return child(m, m.durs, route, func() prometheus.Observer { return m.duration.WithLabelValues(route) })
}

// Reset sets every counter and the histogram back to empty.
func (m *Metrics) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests.Reset()
	m.faults.Reset()
	m.duration.Reset()
	m.clearChildren()
}

func (m *Metrics) clearChildren() {
	m.reqs = map[requestKey]prometheus.Counter{}
	m.durs = map[string]prometheus.Observer{}
	m.kinds = map[string]prometheus.Counter{}
}

// Registry returns the registry the metrics live in, to add collectors to
// or to gather from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.http.ServeHTTP(w, r) }
