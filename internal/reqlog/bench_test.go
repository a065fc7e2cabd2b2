package reqlog

import (
	"testing"
	"time"

	"github.com/faultline-dev/faultline/internal/logbuf"
)

// BenchmarkWriteRequestLogbuf is the request line written from every core
// into the batching writer serve uses: go test -bench WriteRequestLogbuf
// -benchmem ./internal/reqlog/
func BenchmarkWriteRequestLogbuf(b *testing.B) {
	out := logbuf.New(discard{})
	defer out.Close()
	h := NewJSON(out, nil)
	at := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		l := Line{Time: at, Seq: 12345, Method: "GET", Path: "/x", Status: 200, End: "complete", Duration: 41 * time.Microsecond, Route: "x"}
		for n := 0; pb.Next(); n++ {
			l.Time = at.Add(time.Duration(n) * 200 * time.Microsecond) // 5,000 lines a second
			h.WriteRequest(&l)
			if n%128 == 127 {
				_ = out.Flush() // a batch written, as at a server's pace
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
