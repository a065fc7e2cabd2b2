package fault

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts what a Handler served, in Prometheus form, in a registry of
// its own (never the global one), so two servers in one test binary do not
// collide. Feed it with [WithObserver]:
//
//	m := fault.NewMetrics()
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
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Observe counts one journal entry. Pass it to [WithObserver].
func (m *Metrics) Observe(e *Entry) {
	route := e.Route
	if route == "" {
		route = "(unmatched)"
	}
	status := strconv.Itoa(e.Status)
	if e.Status == 0 {
		status = e.End
	}
	m.requests.WithLabelValues(route, status).Inc()
	for _, a := range e.Faults {
		m.faults.WithLabelValues(a.Type).Inc()
	}
	m.duration.WithLabelValues(route).Observe(e.Duration.Seconds())
}

// Reset sets every counter and the histogram back to empty.
func (m *Metrics) Reset() {
	m.requests.Reset()
	m.faults.Reset()
	m.duration.Reset()
}

// Registry returns the registry the metrics live in, to add collectors to
// or to gather from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.http.ServeHTTP(w, r) }
