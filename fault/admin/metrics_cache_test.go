package admin

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
	dto "github.com/prometheus/client_model/go"
)

var (
	someRoutes   = []string{"", "charges", "refunds", "x"}
	someStatuses = []int{0, 200, 201, 404, 429, 503}
	someEnds     = []string{journal.EndComplete, journal.EndReset, journal.EndClosed, journal.EndHung, journal.EndClientGone}
	someKinds    = []string{"latency", "status", "reset", "rate_limit"}
)

// randomEntry is an entry with a route (or none), a status (or none, then
// how its connection ended), up to two faults and a duration under 2s.
func randomEntry(rng *rand.Rand) *journal.Entry {
	e := &journal.Entry{Route: someRoutes[rng.IntN(len(someRoutes))], Status: someStatuses[rng.IntN(len(someStatuses))],
		End: someEnds[rng.IntN(len(someEnds))], Duration: time.Duration(rng.Int64N(int64(2 * time.Second)))}
	for range rng.IntN(3) {
		e.Faults = append(e.Faults, journal.Applied{Type: someKinds[rng.IntN(len(someKinds))]})
	}
	return e
}

// byLabels counts entries as the Metrics doc says they are counted, one
// series per label set: requests by route (or "(unmatched)") and status
// (or how the connection ended), faults by type, durations (count and sum
// of seconds) by route.
type byLabels map[string]float64

func (want byLabels) add(e *journal.Entry) {
	route, status := e.Route, strconv.Itoa(e.Status)
	if route == "" {
		route = "(unmatched)"
	}
	if e.Status == 0 {
		status = e.End
	}
	want["faultline_requests_total{route="+route+",status="+status+"}"]++
	for _, a := range e.Faults {
		want["faultline_faults_total{type="+a.Type+"}"]++
	}
	want["faultline_request_duration_seconds_count{route="+route+"}"]++
	want["faultline_request_duration_seconds_sum{route="+route+"}"] += e.Duration.Seconds()
}

// series gathers m's series in byLabels' form, sums rounded to the
// nanosecond.
func series(t *testing.T, m *Metrics) byLabels {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	got := byLabels{}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			set := "{" + strings.Join(labels, ",") + "}"
			if f.GetType() == dto.MetricType_HISTOGRAM {
				got[f.GetName()+"_count"+set] = float64(s.GetHistogram().GetSampleCount())
				got[f.GetName()+"_sum"+set] = s.GetHistogram().GetSampleSum()
				continue
			}
			got[f.GetName()+set] = s.GetCounter().GetValue()
		}
	}
	return got.rounded()
}

func (want byLabels) rounded() byLabels {
	out := byLabels{}
	for k, v := range want {
		out[k] = math.Round(v*1e9) / 1e9
	}
	return out
}

// TestMetricsCountByLabels observes seeded random entries (seed 1) and
// holds every series, and no other, equal to counts kept by the labels,
// before and after a Reset: the children Metrics keeps per label set
// count exactly what a label lookup per request would.
func TestMetricsCountByLabels(t *testing.T) {
	m, want := NewMetrics(), byLabels{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		if i == 1500 {
			assert.Equal(t, want.rounded(), series(t, m), "seed 1, before the reset")
			m.Reset()
			want = byLabels{}
			assert.Empty(t, series(t, m), "after a reset")
		}
		e := randomEntry(rng)
		want.add(e)
		m.Observe(e)
	}
	assert.Equal(t, want.rounded(), series(t, m), "seed 1, after the reset")
	assert.Greater(t, len(want), 40, "many label sets are exercised")
}

// TestMetricsResetWhileCounting counts from four goroutines while a fifth
// resets a hundred times (run with -race): a request's count and its
// duration land in the same generation, so afterwards every route's
// request count equals its histogram's count; after a last Reset,
// counting is exact again.
func TestMetricsResetWhileCounting(t *testing.T) {
	m := NewMetrics()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 3))
			for range 3000 {
				m.Observe(randomEntry(rng))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 100 {
			m.Reset()
			runtime.Gosched()
		}
	}()
	wg.Wait()

	requests, durations := map[string]float64{}, map[string]float64{}
	for k, v := range series(t, m) {
		if rest, ok := strings.CutPrefix(k, "faultline_requests_total{route="); ok {
			requests[rest[:strings.Index(rest, ",")]] += v
		}
		if rest, ok := strings.CutPrefix(k, "faultline_request_duration_seconds_count{route="); ok {
			durations[strings.TrimSuffix(rest, "}")] = v
		}
	}
	assert.Equal(t, requests, durations, "requests counted by route and durations observed by route")

	m.Reset()
	want := byLabels{}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 200 {
		e := randomEntry(rng)
		want.add(e)
		m.Observe(e)
	}
	assert.Equal(t, want.rounded(), series(t, m), "seed 9, after the last reset")
}
