package resilience

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkClientVsBare measures the client with every policy on (breaker,
// rate limiter, retry budget, bulkhead, stale cache, idempotency keys,
// attempt timeouts) against a bare http.Client with the same transport
// settings, on the same loopback server, interleaved in one run.
// throughput_ratio = client calls per second / bare calls per second.
func BenchmarkClientVsBare(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"ch_1","amount":4200,"currency":"eur"}`))
	}))
	defer srv.Close()
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		b.Run(method, func(b *testing.B) { benchCompare(b, srv.URL+"/v1/charges", method) })
	}
}

func benchCompare(b *testing.B, url, method string) {
	p := DefaultPolicy()
	p.RateLimit.Rate, p.RateLimit.Burst = 1e9, 1e6 // on, but never the bottleneck
	c := New(p, WithSeed(1))
	defer c.CloseIdleConnections()
	tr := newTransport(p.Timeouts)
	defer tr.CloseIdleConnections()
	bare := &http.Client{Transport: tr}
	body := []byte(`{"amount":4200}`)
	if method == http.MethodGet {
		body = nil
	}
	ctx := context.Background()
	bareCall := func() {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := bare.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	clientCall := func() {
		if _, err := c.Do(ctx, &Request{Method: method, URL: url, Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	for range 100 { // warm both connection pools
		bareCall()
		clientCall()
	}
	var tBare, tClient time.Duration
	b.ResetTimer()
	for i := range b.N {
		first, second, d1, d2 := bareCall, clientCall, &tBare, &tClient
		if i%2 == 1 {
			first, second, d1, d2 = clientCall, bareCall, &tClient, &tBare
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		*d1 += t1.Sub(t0)
		*d2 += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(tBare)/float64(tClient), "throughput_ratio")
	b.ReportMetric(float64(tClient.Nanoseconds())/float64(b.N), "client_ns/call")
	b.ReportMetric(float64(tBare.Nanoseconds())/float64(b.N), "bare_ns/call")
	b.ReportMetric(testing.AllocsPerRun(200, clientCall), "client_allocs/call")
	b.ReportMetric(testing.AllocsPerRun(200, bareCall), "bare_allocs/call")
}
