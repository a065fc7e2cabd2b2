package journal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkEntryStart is the journal entry of one ordinary request, as a
// client sends it again and again: the same User-Agent, a plain path, a
// bearer token and a content type. It is the per-request masking work the
// proxy row of bench/fault pays on top of a bare forwarder.
func BenchmarkEntryStart(b *testing.B) {
	r := httptest.NewRequest("GET", "http://127.0.0.1/v1/customers/cus_00042", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	r.Header.Set("Authorization", "Bearer abcdefghijklmnop")
	r.Header.Set("Content-Type", "application/json")
	now := time.Now()
	b.ReportAllocs()
	var e Entry
	for i := 0; i < b.N; i++ {
		e.start(uint64(i), now, r, DefaultValueMax)
	}
}

// BenchmarkEntryStartChangingPaths is the journal entry of requests whose
// path changes every time, as a replay's random order asks them.
func BenchmarkEntryStartChangingPaths(b *testing.B) {
	reqs := make([]*http.Request, 64)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", fmt.Sprintf("http://127.0.0.1/v1/customers/cus_%05d", i), nil)
		reqs[i].Header.Set("User-Agent", "Go-http-client/1.1")
	}
	now := time.Now()
	b.ReportAllocs()
	var e Entry
	for i := 0; b.Loop(); i++ {
		e.start(uint64(i), now, reqs[i%len(reqs)], DefaultValueMax)
	}
}
