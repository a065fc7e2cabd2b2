package cassettes

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// benchCassette holds n POSTs to one URL with ~2 KB bodies that differ only
// by amount, and the matching requests in a seeded random order.
func benchCassette(n int) (*Cassette, []*Interaction) {
	rng := rand.New(rand.NewPCG(3, 4))
	pad := strings.Repeat("lorem ipsum ", 170)
	c := &Cassette{Version: FormatVersion}
	for i := 0; i < n; i++ {
		c.Interactions = append(c.Interactions, &Interaction{ID: i,
			Request: Request{Method: "POST", URL: "https://api.test/v1/charges",
				Body: fmt.Sprintf(`{"amount":%d,"description":%q}`, i, pad)},
			Response: Response{Code: 200, Body: fmt.Sprintf(`{"id":"ch_%d","pad":%q}`, i, pad),
				Headers: http.Header{"Content-Type": {"application/json"}}},
		})
	}
	order := make([]*Interaction, n)
	for i, j := range rng.Perm(n) {
		order[i] = c.Interactions[j]
	}
	return c, order
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }

func (d *discard) WriteString(s string) (int, error) { return len(s), nil }

func benchRequest(x *Interaction) *http.Request {
	u, _ := url.Parse(x.Request.URL)
	return &http.Request{Method: x.Request.Method, URL: u, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(x.Request.Body)), ContentLength: int64(len(x.Request.Body))}
}

// BenchmarkLookup compares faultline's replay with go-vcr's cassette lookup
// (with a body-aware matcher, so both return correct answers) on 1,000
// recordings. Run with: go test -bench Lookup ./cassettes
func BenchmarkLookup(b *testing.B) {
	c, order := benchCassette(1000)
	b.Run("faultline", func(b *testing.B) {
		rp := NewReplayer(c, ReplayOptions{})
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			rp.ServeHTTP(w, benchRequest(order[i%len(order)]))
		}
	})
	// 16 goroutines (8 per P on 2 cores); ns/op below the serial run means
	// lookups run in parallel instead of queueing on a lock.
	b.Run("faultline-16-goroutines", func(b *testing.B) {
		rp := NewReplayer(c, ReplayOptions{})
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			w := &discard{h: http.Header{}}
			for pb.Next() {
				clear(w.h)
				rp.ServeHTTP(w, benchRequest(order[int(next.Add(1))%len(order)]))
			}
		})
	})
	b.Run("faultline-reordered-json", func(b *testing.B) {
		rp := NewReplayer(c, ReplayOptions{})
		w := &discard{h: http.Header{}}
		reqs := make([]*Interaction, len(order))
		for i, x := range order {
			y := *x
			y.Request.Body = strings.Replace(y.Request.Body, `{"amount":`, `{ "amount" : `, 1)
			reqs[i] = &y
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			rp.ServeHTTP(w, benchRequest(reqs[i%len(reqs)]))
		}
	})
	b.Run("go-vcr-body-matcher", func(b *testing.B) {
		vc := cassette.New("bench")
		for _, x := range c.Interactions {
			vc.AddInteraction(&cassette.Interaction{Request: cassette.Request{Method: x.Request.Method, URL: x.Request.URL, Body: x.Request.Body},
				Response: cassette.Response{Code: x.Response.Code, Body: x.Response.Body}})
		}
		vc.ReplayableInteractions = true
		vc.Matcher = func(r *http.Request, i cassette.Request) bool {
			if r.Method != i.Method || r.URL.String() != i.URL {
				return false
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			return string(body) == i.Body
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := vc.GetInteraction(benchRequest(order[i%len(order)])); err != nil {
				b.Fatal(err)
			}
		}
	})
}
