package admin

import (
	"testing"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
)

// proxied is the journal entry of a request the proxy row of bench/fault
// sends: a route without faults, answered in full.
func proxied() *journal.Entry {
	return &journal.Entry{Route: "x", Status: 200, End: journal.EndComplete, Duration: 130 * time.Microsecond}
}

// BenchmarkObserve is the metrics' work for one request:
// go test -run '^$' -bench Observe -benchmem ./fault/admin/
func BenchmarkObserve(b *testing.B) {
	m, e := NewMetrics(), proxied()
	b.ReportAllocs()
	for b.Loop() {
		m.Observe(e)
	}
}

// BenchmarkObserveParallel is BenchmarkObserve from every core at once, as
// a busy server counts its requests.
func BenchmarkObserveParallel(b *testing.B) {
	m := NewMetrics()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		e := proxied()
		for pb.Next() {
			m.Observe(e)
		}
	})
}
