package cassettes_test

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/reqlog"
)

// replayRowSize is the size of bench/fault's replay cassette.
const replayRowSize = 10000

func replayRowPath(i int) string { return fmt.Sprintf("/v1/customers/cus_%05d", i) }

// replayRowCassette is bench/fault's replay cassette: GETs, each answered
// with a small JSON body.
func replayRowCassette() *cassettes.Cassette {
	c := &cassettes.Cassette{Version: cassettes.FormatVersion}
	for i := range replayRowSize {
		body := fmt.Sprintf(`{"id":"cus_%05d","object":"customer","email":"u%d@example.com","balance":%d}`, i, i, i*7)
		c.Interactions = append(c.Interactions, &cassettes.Interaction{ID: i,
			Request:  cassettes.Request{Method: "GET", URL: "https://api.example.com" + replayRowPath(i), Headers: http.Header{}},
			Response: cassettes.Response{Code: 200, Body: body, Headers: http.Header{"Content-Type": {"application/json"}}},
		})
	}
	return c
}

// replayRowRequests are requests as Go's client sends them to the replay
// row, in a seeded random order.
func replayRowRequests() []*http.Request {
	reqs := make([]*http.Request, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range reqs {
		r := httptest.NewRequest("GET", replayRowPath(rng.IntN(replayRowSize)), nil)
		r.Header = http.Header{"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}}
		r.RemoteAddr = "127.0.0.1:40000"
		reqs[i] = r
	}
	return reqs
}

// rowWriter is a ResponseWriter that keeps nothing and, like net/http's,
// writes strings without a copy.
type rowWriter struct{ h http.Header }

func (w *rowWriter) Header() http.Header               { return w.h }
func (w *rowWriter) Write(p []byte) (int, error)       { return len(p), nil }
func (w *rowWriter) WriteString(s string) (int, error) { return len(s), nil }
func (w *rowWriter) WriteHeader(int)                   {}

// BenchmarkReplayRow is one request of bench/fault's replay row through
// the handler faultline replay builds (cmd's replayHandler: the replayer
// wrapped by fault.Wrap, JSON request log, journal), without the network;
// Bare is the least a replay server does (a map lookup, as bench/fault's
// bare-replay): go test -run '^$' -bench ReplayRow -benchmem ./cassettes/
func BenchmarkReplayRow(b *testing.B) {
	logger := slog.New(reqlog.NewJSON(io.Discard, nil))
	rp := cassettes.NewReplayer(replayRowCassette(), cassettes.ReplayOptions{Logger: logger})
	b.Run("faultline", func(b *testing.B) { benchReplayRow(b, fault.Wrap(rp, nil, fault.WithLogger(logger))) })
	bodies := map[string]string{}
	for _, it := range replayRowCassette().Interactions {
		bodies[it.Request.URL[len("https://api.example.com"):]] = it.Response.Body
	}
	b.Run("bare", func(b *testing.B) {
		benchReplayRow(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, ok := bodies[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
	})
}

func benchReplayRow(b *testing.B, h http.Handler) {
	reqs := replayRowRequests()
	w := &rowWriter{}
	for i := range journal.DefaultSize { // the journal full, as in a server's steady state
		w.h = http.Header{}
		h.ServeHTTP(w, reqs[i%len(reqs)])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w.h = http.Header{}
		h.ServeHTTP(w, reqs[i%len(reqs)])
	}
}
