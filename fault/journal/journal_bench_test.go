package journal

import (
	"testing"
	"time"
)

// BenchmarkRecordParallel is the journal's share of a busy server: every
// core recording finished entries into a full journal of the default size.
// It reports the process's CPU time per record (cpu-ns/op), which other
// processes' load does not count, beside the wall time.
// go test -run '^$' -bench RecordParallel -cpu 1,2 ./fault/journal/
func BenchmarkRecordParallel(b *testing.B) {
	j := New(DefaultSize, 0)
	proto := fullEntry(j)
	recordParallel(b, j, proto)
}

// BenchmarkRecordWhilePolled is BenchmarkRecordParallel while a client
// polls the journal every millisecond for what is new (GET
// /journal?since=N, as faultline serve's admin API answers it): what a
// reader costs the writers.
func BenchmarkRecordWhilePolled(b *testing.B) {
	j := New(DefaultSize, 0)
	proto := fullEntry(j)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for seen := j.Seq(); ; {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if es := j.Since(seen); len(es) > 0 {
				seen = es[len(es)-1].Seq
			}
		}
	}()
	recordParallel(b, j, proto)
	close(stop)
	<-done
}

// fullEntry fills j with entries of an ordinary request, and returns one.
func fullEntry(j *Journal) Entry {
	proto := Entry{Time: time.Now(), Method: "GET", Host: "127.0.0.1:8080", Path: "/v1/customers/cus_00042",
		RemoteAddr: "127.0.0.1:40000", UserAgent: "Go-http-client/1.1", Route: "x",
		Status: 200, BytesSent: 180, End: EndComplete, Effect: true, Duration: time.Millisecond}
	for range j.size {
		e := proto
		e.Seq = j.nextSeq()
		j.Record(&e)
	}
	return proto
}

// recordParallel records copies of proto into j from every core, b.N in
// all, and reports the process's CPU time per record.
func recordParallel(b *testing.B, j *Journal, proto Entry) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		e := proto
		for pb.Next() {
			e.Seq = j.nextSeq()
			j.Record(&e)
		}
	})
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}
