package resilience

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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
	bareRuns, clientRuns := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		first, second := bareCall, clientCall
		if i%2 == 1 {
			first, second = clientCall, bareCall
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		d1, d2 := t1.Sub(t0), time.Since(t1)
		if i%2 == 1 {
			d1, d2 = d2, d1
		}
		tBare, tClient = tBare+d1, tClient+d2
		bareRuns, clientRuns = append(bareRuns, d1), append(clientRuns, d2)
	}
	b.StopTimer()
	// Mean throughput, and the same ratio for the median call, which a
	// busy machine's scheduling hiccups do not skew.
	b.ReportMetric(float64(tBare)/float64(tClient), "throughput_ratio")
	b.ReportMetric(float64(median(bareRuns))/float64(median(clientRuns)), "median_ratio")
	b.ReportMetric(float64(tClient.Nanoseconds())/float64(b.N), "client_ns/call")
	b.ReportMetric(float64(tBare.Nanoseconds())/float64(b.N), "bare_ns/call")
	b.ReportMetric(testing.AllocsPerRun(200, clientCall), "client_allocs/call")
	b.ReportMetric(testing.AllocsPerRun(200, bareCall), "bare_allocs/call")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}
