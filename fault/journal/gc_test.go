package journal

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// recorder is what the tests and benchmarks below record into: the
// journal, or entryRing.
type recorder interface {
	Record(*Entry)
	nextSeq() uint64
}

// entryRing keeps entries as Entry values, each in the place its number
// gives it, as the journal did before its places held encodings
// (8cc982b): the strings, maps and faults of every entry for the
// collector to follow. It is what the journal is measured against.
type entryRing struct {
	seq uint64
	es  []Entry
}

func newEntryRing(size int) *entryRing { return &entryRing{es: make([]Entry, size)} }

func (r *entryRing) nextSeq() uint64 { r.seq++; return r.seq }

func (r *entryRing) Record(e *Entry) { r.es[e.Seq%uint64(len(r.es))] = *e }

// kinds of realistic entries: "row" as bench/fault's proxy row records
// them (a Go client's GET: no journal header, no fault, no note), "rich"
// as a scenario's (two journal headers, a fault with parameters on one
// request in three, an inspector's notes).
var entryKinds = []string{"row", "rich"}

// realEntry is entry seq of kind: its strings made afresh, as a server's
// are (each request's own), so that an Entry kept whole keeps them alive
// for the collector to mark.
func realEntry(kind string, seq uint64, at time.Time) Entry {
	e := Entry{Seq: seq, Time: at.Add(time.Duration(seq) * time.Microsecond), Method: string([]byte("GET")),
		Host: fmt.Sprint("127.0.0.1:", 8080), Path: fmt.Sprintf("/v1/customers/cus_%05d", seq%50000),
		Route: "proxy", RemoteAddr: fmt.Sprint("127.0.0.1:", 40000+seq%20000),
		UserAgent: string([]byte("Go-http-client/1.1")), Effect: true, Status: 200, BytesSent: 180,
		End: EndComplete, Duration: 130 * time.Microsecond}
	if kind == "rich" {
		e.Query = fmt.Sprint("page=", seq%7)
		e.RequestID = fmt.Sprintf("req_%012d", seq)
		e.Headers = map[string]string{"Content-Type": string([]byte("application/json")),
			"Traceparent": fmt.Sprintf("00-%032x-%016x-01", seq, seq)}
		e.BodySHA256, e.BodySize = fmt.Sprintf("%064x", seq), 512
		e.Notes = map[string]string{"operation": string([]byte("getCustomer"))}
		if seq%3 == 0 {
			e.Faults = []Applied{{Type: "latency", Params: map[string]string{"delay": fmt.Sprint(seq%100, "ms")}}}
		}
	}
	return e
}

// fill records size realistic entries of kind into j, numbered as Begin
// numbers them.
func fill(j recorder, kind string, size int) {
	at := time.Now()
	for range size {
		e := realEntry(kind, j.nextSeq(), at)
		j.Record(&e)
	}
}

// TestRecordOfAFullJournalAllocatesNothing: recording into a full journal
// (every place holding an entry) allocates nothing, rich entries too: the
// encoding goes into the place itself.
func TestRecordOfAFullJournalAllocatesNothing(t *testing.T) {
	for _, kind := range entryKinds {
		j := New(1000, 0)
		fill(j, kind, 1000)
		e := realEntry(kind, 3, time.Now())
		allocs := testing.AllocsPerRun(200, func() {
			e.Seq = j.nextSeq() + 1000
			j.Record(&e)
		})
		assert.Zero(t, allocs, "%s: allocations per Record", kind)
	}
}

// TestJournalHoldsAlmostNoPointers: a full journal of realistic entries
// adds little to the heap the collector scans (runtime/metrics'
// /gc/scan/heap:bytes, the scannable heap): its entries are bytes but for
// their times, 24 bytes a place. Kept as Entry values (entryRing, as
// before) the same entries made megabytes of it. The live heap a journal
// of the proxy row's entries adds stays as large (/gc/heap/live:bytes):
// it is the ballast that makes a busy server's collections rare (rich
// entries' maps made the Entry values larger still: 13.8 MB against 5.4).
func TestJournalHoldsAlmostNoPointers(t *testing.T) {
	measure := func(kind string, mk func() recorder) (scan, live int64) {
		runtime.GC()
		scan0, live0 := heapScan(), heapLive()
		j := mk()
		fill(j, kind, DefaultSize)
		runtime.GC()
		scan, live = heapScan()-scan0, heapLive()-live0
		runtime.KeepAlive(j)
		return scan, live
	}
	for _, kind := range entryKinds {
		scan, live := measure(kind, func() recorder { return New(DefaultSize, 0) })
		refScan, refLive := measure(kind, func() recorder { return newEntryRing(DefaultSize) })
		t.Logf("%s: a full journal adds %d bytes of scannable heap (as Entry values: %d), %d bytes of live heap (as Entry values: %d)",
			kind, scan, refScan, live, refLive)
		assert.Less(t, scan, int64(DefaultSize*32), "%s: a full journal's scannable heap (a place's time is 24 bytes)", kind)
		assert.Greater(t, refScan, int64(2<<20), "%s: as Entry values: the measure can fail", kind)
		if kind == "row" { // rich entries' maps made the old journal larger still
			assert.Greater(t, live, refLive*8/10, "%s: the live heap a full journal keeps", kind)
		}
	}
}

// heapScan is the scannable heap as the last collection left it.
func heapScan() int64 { return readMetric("/gc/scan/heap:bytes") }

// heapLive is the heap the last collection marked live.
func heapLive() int64 { return readMetric("/gc/heap/live:bytes") }

func readMetric(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// BenchmarkGCFullJournal is what one garbage collection costs with a full
// journal of realistic entries alive: the journal (new), the same entries
// kept as Entry values as the journal kept them before (old, entryRing),
// and none at all (a journal filled, then let go: the same garbage made
// before the first collection). Run with GOMAXPROCS=1 so that the CPU time
// is the collector's alone, e.g.
// GOMAXPROCS=1 go test -run '^$' -bench GCFullJournal -count 6 ./fault/journal/
func BenchmarkGCFullJournal(b *testing.B) {
	for _, kind := range entryKinds {
		for _, impl := range []string{"none", "old", "new"} {
			b.Run(kind+"/"+impl, func(b *testing.B) {
				var j recorder = New(DefaultSize, 0)
				if impl == "old" {
					j = newEntryRing(DefaultSize)
				}
				fill(j, kind, DefaultSize)
				if impl == "none" {
					j = nil
				}
				runtime.GC()
				cpu0 := processCPU()
				for b.Loop() {
					runtime.GC()
				}
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
				runtime.KeepAlive(j)
			})
		}
	}
}

// BenchmarkRecord is one Record into a full journal of the default size.
func BenchmarkRecord(b *testing.B) {
	eachKind(b, func(b *testing.B, kind string, j *Journal) {
		e := realEntry(kind, 1, time.Now())
		cpu0 := processCPU()
		for i := 0; b.Loop(); i++ {
			e.Seq = uint64(DefaultSize + 1 + i)
			j.Record(&e)
		}
		b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	})
}

// BenchmarkSince is what a reader pays per entry: Entries of a full
// journal of the default size, per entry returned.
func BenchmarkSince(b *testing.B) {
	eachKind(b, func(b *testing.B, _ string, j *Journal) {
		cpu0 := processCPU()
		n := 0
		for b.Loop() {
			n += len(j.Since(0))
		}
		b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/entry")
	})
}

// eachKind runs bench on a full journal of each kind of entries.
func eachKind(b *testing.B, bench func(b *testing.B, kind string, j *Journal)) {
	for _, kind := range entryKinds {
		b.Run(kind, func(b *testing.B) {
			j := New(DefaultSize, 0)
			fill(j, kind, DefaultSize)
			b.ReportAllocs()
			bench(b, kind, j)
		})
	}
}
