package admin

import (
	"maps"
	"math/bits"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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
//
// # How it counts
//
// A request adds to plain atomic counters in a shard of the core it runs
// on, on cache lines no other core writes, instead of to Prometheus
// counters and histograms every core shares.
// A scrape adds the shards up and hands Prometheus constant metrics; the
// exposition is what Prometheus' own CounterVec and HistogramVec would
// show. Each (route, status) keeps per bucket how many of its requests
// lasted that long: its request count is their total, and its route's
// histogram counts the buckets of all its statuses, so in every scrape
// a histogram's count is its buckets' total and the requests of a route
// add up to its histogram's count. A duration's sum is kept exact, in
// integer nanoseconds, and shown in seconds (float64, as
// [time.Duration.Seconds] converts it); it is read apart from the
// buckets, so a scrape taken while requests are counted may hold in its
// sum a request its buckets do not yet hold, or the reverse.
type Metrics struct {
	reg    *prometheus.Registry
	http   http.Handler
	shards int // a power of two, at least GOMAXPROCS when made

	// The series, read without a lock: a request reads one immutable
	// snapshot, one map lookup for its route. A label set seen for the
	// first time is added under mu into a new snapshot that shares the
	// series already counted; Reset swaps in an empty one. A request
	// counts all it counts in the snapshot it loaded, so its count and
	// its duration always land in the same generation.
	mu     sync.Mutex
	series atomic.Pointer[seriesSet]
}

// durationBuckets span a fast stub answer to a long hang.
var durationBuckets = [...]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// The families, named and described as they always were.
var (
	requestsDesc = prometheus.NewDesc("faultline_requests_total",
		"Requests the fault upstream answered, by route and status (or how the connection ended).",
		[]string{"route", "status"}, nil)
	faultsDesc = prometheus.NewDesc("faultline_faults_total",
		"Faults applied, by type.", []string{"type"}, nil)
	durationDesc = prometheus.NewDesc("faultline_request_duration_seconds",
		"Time from a request's arrival to the end of its response, by route.",
		[]string{"route"}, nil)
)

// unmatched is the route label of a request no route matched.
const unmatched = "(unmatched)"

// NewMetrics returns empty metrics with their own registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), shards: shardCount(runtime.GOMAXPROCS(0))}
	m.series.Store(noSeries())
	m.reg.MustRegister(collector{m})
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Observe counts one journal entry. Pass it to [fault.WithObserver].
func (m *Metrics) Observe(e *journal.Entry) {
	route, end := e.Route, ""
	if route == "" {
		route = unmatched
	}
	if e.Status == 0 {
		end = e.End
	}
	set := m.series.Load()
	s := set.find(route, e.Status, end)
	for i := 0; s != nil && i < len(e.Faults); i++ {
		if set.kinds[e.Faults[i].Type] == nil {
			s = nil
		}
	}
	if s == nil {
		set = m.add(route, e.Status, end, e.Faults)
		s = set.find(route, e.Status, end)
	}
	t := shardOf()
	i := t.i & (m.shards - 1)
	s.cells[i].observe(e.Duration)
	for _, a := range e.Faults {
		set.kinds[a.Type].cells[i].n.Add(1)
	}
	shards.Put(t)
}

// add returns a snapshot holding the series of (route, code, end) and of
// the faults' types: the current one with those it lacks added, as a
// copy (requests keep reading the one they loaded).
func (m *Metrics) add(route string, code int, end string, faults []journal.Applied) *seriesSet {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.series.Load()
	set := &seriesSet{routes: maps.Clone(cur.routes), kinds: maps.Clone(cur.kinds)}
	now := time.Now()
	if set.find(route, code, end) == nil {
		r := routeSeries{name: route, created: now}
		if old := set.routes[route]; old != nil {
			r = *old
		}
		status := end
		if code != 0 {
			status = strconv.Itoa(code)
		}
		s := &statusSeries{code: code, end: end, label: status, created: now, cells: make([]durationCell, m.shards)}
		r.statuses = append(slices.Clip(r.statuses), s)
		set.routes[route] = &r
	}
	for _, a := range faults {
		if set.kinds[a.Type] == nil {
			set.kinds[a.Type] = &kindSeries{created: now, cells: make([]countCell, m.shards)}
		}
	}
	m.series.Store(set)
	return set
}

// Reset sets every counter and the histogram back to empty. A request
// counted while it runs counts either before it (and is cleared) or after.
func (m *Metrics) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.series.Store(noSeries())
}

// Registry returns the registry the metrics live in, to add collectors to
// or to gather from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP writes the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.http.ServeHTTP(w, r) }

// seriesSet is one immutable snapshot of the series of a generation
// (since NewMetrics or the last Reset). Snapshots of one generation share
// their series.
type seriesSet struct {
	routes map[string]*routeSeries
	kinds  map[string]*kindSeries
}

func noSeries() *seriesSet {
	return &seriesSet{routes: map[string]*routeSeries{}, kinds: map[string]*kindSeries{}}
}

// find returns the series of a route's requests answered with code (or,
// with code 0, ended as end), nil if the snapshot has none.
func (set *seriesSet) find(route string, code int, end string) *statusSeries {
	r := set.routes[route]
	if r == nil {
		return nil
	}
	for _, s := range r.statuses {
		if s.code == code && s.end == end {
			return s
		}
	}
	return nil
}

// routeSeries is a route's requests, by status; its histogram is the
// buckets of all of them. Immutable: a new status makes a new one.
type routeSeries struct {
	name     string
	created  time.Time
	statuses []*statusSeries
}

// statusSeries counts the requests of one route and status, one cell per
// shard.
type statusSeries struct {
	code       int
	end, label string
	created    time.Time
	cells      []durationCell
}

// kindSeries counts the faults of one type, one cell per shard.
type kindSeries struct {
	created time.Time
	cells   []countCell
}

// cacheLine is the size a cell is padded to a multiple of, so that two
// shards never write one line.
const cacheLine = 64

// durationCell is a shard's count of requests per duration bucket (the
// last one past every bound) and their durations' sum. The sum comes
// first, with the fastest buckets on its line.
type durationCell struct {
	nanos  atomic.Int64
	counts [len(durationBuckets) + 1]atomic.Uint64
	_      [cacheLine - (8+8*(len(durationBuckets)+1))%cacheLine]byte
}

// observe counts one request that lasted d, in the bucket Prometheus'
// histogram puts it in: the first whose bound d's seconds do not exceed.
func (c *durationCell) observe(d time.Duration) {
	s, i := d.Seconds(), 0
	for i < len(durationBuckets) && s > durationBuckets[i] {
		i++
	}
	c.counts[i].Add(1)
	c.nanos.Add(int64(d))
}

// countCell is a shard's count of one fault type.
type countCell struct {
	n atomic.Uint64
	_ [cacheLine - 8]byte
}

// A shardToken names the shard of the core that holds it. Tokens live in
// a sync.Pool, which keeps one per P (Go's scheduler's processor, a core
// running Go code): a request takes its core's token and puts it back,
// without a lock or a write to memory another core reads. A token is
// made when a P finds none (at first, or after garbage collections
// emptied the pool), with the next shard in turn. A goroutine that moves
// to another core mid-request, or two tokens on one shard, only cost a
// shared cache line; the counters are atomic either way.
type shardToken struct{ i int }

var (
	shards    = sync.Pool{New: func() any { return &shardToken{i: int(nextShard.Add(1))} }}
	nextShard atomic.Uint32
)

func shardOf() *shardToken { return shards.Get().(*shardToken) }

// shardCount is the power of two at or above n, the number of cores Go
// runs code on, up to 64.
func shardCount(n int) int {
	n = min(max(n, 1), 64)
	return 1 << bits.Len(uint(n-1))
}
