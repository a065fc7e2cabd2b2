package admin

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// collector turns Metrics' shards into Prometheus metrics when the
// registry gathers: the sums of every shard's cells, as constant metrics
// made for the scrape and dropped after it.
type collector struct{ m *Metrics }

// Describe names the three families, so the registry checks what Collect
// sends against them.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- faultsDesc
	ch <- durationDesc
}

// Collect sends the series of the current generation: per route, the
// request count of each status and the duration histogram of all of
// them, then the faults by type. A label value Prometheus refuses (not
// UTF-8) fails the scrape with an error rather than the server.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	set := c.m.series.Load()
	for _, r := range set.routes {
		var route durationTotals
		for _, s := range r.statuses {
			var t durationTotals
			t.add(s.cells)
			ch <- counterMetric(requestsDesc, t.count(), s.created, r.name, s.label)
			route.merge(&t)
		}
		ch <- route.metric(r.created, r.name)
	}
	for kind, k := range set.kinds {
		var n uint64
		for i := range k.cells {
			n += k.cells[i].n.Load()
		}
		ch <- counterMetric(faultsDesc, n, k.created, kind)
	}
}

func counterMetric(desc *prometheus.Desc, n uint64, created time.Time, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetricWithCreatedTimestamp(desc, prometheus.CounterValue, float64(n), created, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return m
}

// durationTotals adds durationCells up: requests per bucket and the sum
// of their durations.
type durationTotals struct {
	nanos  int64
	counts [len(durationBuckets) + 1]uint64
}

// add reads every shard's cell; each count is read once, so the total
// of the buckets is the count the histogram shows.
func (t *durationTotals) add(cells []durationCell) {
	for i := range cells {
		c := &cells[i]
		t.nanos += c.nanos.Load()
		for b := range c.counts {
			t.counts[b] += c.counts[b].Load()
		}
	}
}

func (t *durationTotals) merge(o *durationTotals) {
	t.nanos += o.nanos
	for b := range t.counts {
		t.counts[b] += o.counts[b]
	}
}

func (t *durationTotals) count() uint64 {
	var n uint64
	for _, c := range t.counts {
		n += c
	}
	return n
}

// metric is the histogram of t: cumulative counts per bound, the last
// bucket (+Inf) implied by the count.
func (t *durationTotals) metric(created time.Time, route string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(durationBuckets))
	var below uint64
	for b, bound := range durationBuckets {
		below += t.counts[b]
		buckets[bound] = below
	}
	sum := time.Duration(t.nanos).Seconds()
	m, err := prometheus.NewConstHistogramWithCreatedTimestamp(durationDesc, t.count(), sum, buckets, created, route)
	if err != nil {
		return prometheus.NewInvalidMetric(durationDesc, err)
	}
	return m
}
