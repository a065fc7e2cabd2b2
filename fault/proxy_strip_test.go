package fault

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Before one pass over the headers, the proxy stripped them with a delete
// per hop-by-hop and forwarding name. Kept here as the reference the
// one-pass stripping must agree with, and as the benchmarks' baseline.
var (
	hopHeaderNames       = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}
	forwardedHeaderNames = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}
)

func stripRequestHeadersByName(h http.Header) {
	for _, k := range hopHeaderNames {
		delete(h, k)
	}
	for _, k := range forwardedHeaderNames {
		delete(h, k)
	}
}

func removeHopHeadersByName(h http.Header) {
	removeConnectionNames(h)
	for _, k := range hopHeaderNames {
		delete(h, k)
	}
}

// headerSets are seeded random header sets drawn from every name either
// stripping knows, their lower-case (non-canonical) forms, and ordinary
// headers, with Connection naming some of them.
func headerSets(n int) []http.Header {
	names := append(append([]string{"Content-Type", "User-Agent", "Accept-Encoding", "X-Custom", "Set-Cookie", "Date"},
		hopHeaderNames...), forwardedHeaderNames...)
	for _, k := range names[:len(names):len(names)] {
		names = append(names, strings.ToLower(k))
	}
	rng := rand.New(rand.NewPCG(12, 1))
	sets := make([]http.Header, n)
	for i := range sets {
		h := http.Header{}
		for range rng.IntN(len(names)) {
			k := names[rng.IntN(len(names))]
			h[k] = append(h[k], fmt.Sprint(rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			h["Connection"] = []string{names[rng.IntN(len(names))] + ", " + names[rng.IntN(len(names))], "close"}
		}
		sets[i] = h
	}
	return sets
}

func TestHeaderStrippingAgreesWithDeletingByName(t *testing.T) {
	for _, h := range headerSets(2000) {
		want, got := h.Clone(), h.Clone()
		stripRequestHeadersByName(want)
		stripRequestHeaders(got)
		if !assert.Equal(t, want, got, "request headers %v", h) {
			return
		}
		want, got = h.Clone(), h.Clone()
		removeHopHeadersByName(want)
		removeHopHeaders(got)
		if !assert.Equal(t, want, got, "response headers %v", h) {
			return
		}
	}
}

// BenchmarkStripHeaders strips the headers of a request as Go's client
// sends it and of a JSON response (the proxy row's), one pass (OnePass)
// against a delete per name (ByName):
// go test -run '^$' -bench StripHeaders ./fault/
func BenchmarkStripHeaders(b *testing.B) {
	req := http.Header{"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}}
	res := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"183"}, "Date": {"Wed, 02 Dec 2026 14:00:00 GMT"}}
	for _, c := range []struct {
		name     string
		req, res func(http.Header)
	}{{"ByName", stripRequestHeadersByName, removeHopHeadersByName}, {"OnePass", stripRequestHeaders, removeHopHeaders}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.req(req)
				c.res(res)
			}
		})
	}
}
