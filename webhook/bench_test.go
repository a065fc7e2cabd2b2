package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// trivial acknowledges every delivery after reading it.
var trivial = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusNoContent)
})

// parallel runs n jobs on workers goroutines and returns the wall time.
func parallel(n, workers int, job func(i int)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				job(i)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkDeliveries measures the campaign's delivery path against a
// trivial local handler beside a bare net/http client sending the same
// signed requests, in the same run. As in the flood case, deliveries are
// signed first (reported as sign-µs per delivery) and then sent by 16
// workers. Reported: deliveries/s for both and the time ratio.
//
// The comparison is fair: the bare client has the campaign's transport
// settings (newClient's: idle connections, no compression, no proxy), so
// only what send does around Client.Do differs; both sides are warmed with
// the same number of requests before the clock starts; and they alternate
// in chunks, each going first in half of them, so both see the same machine
// load and neither always inherits the other's garbage.
func BenchmarkDeliveries(b *testing.B) {
	srv := httptest.NewServer(trivial)
	defer srv.Close()
	const workers, chunks = 16, 10
	b.ResetTimer()
	start := time.Now()
	ds, err := NewDeliveries(Options{Target: srv.URL, Scheme: "stripe", Secret: stripeSecret, Seed: 1}, b.N)
	if err != nil {
		b.Fatal(err)
	}
	sign := time.Since(start)
	defer ds.Close()
	bare := ds.BareClient()
	defer bare.CloseIdleConnections()
	sendBare := func(i int) {
		resp, err := bare.Do(ds.Request(i))
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	sendOurs := func(i int) {
		if err := ds.Send(context.Background(), i); err != nil {
			b.Error(err)
		}
	}
	warm := min(b.N, 8*workers)
	parallel(warm, workers, sendBare)
	parallel(warm, workers, sendOurs)
	runtime.GC()

	var base, ours time.Duration
	for k := range chunks {
		lo, hi := k*b.N/chunks, (k+1)*b.N/chunks
		timeBare := func() { base += parallel(hi-lo, workers, func(i int) { sendBare(lo + i) }) }
		timeOurs := func() { ours += parallel(hi-lo, workers, func(i int) { sendOurs(lo + i) }) }
		if k%2 == 0 {
			timeBare()
			timeOurs()
		} else {
			timeOurs()
			timeBare()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sign.Microseconds())/float64(b.N), "sign-µs")
	b.ReportMetric(float64(b.N)/ours.Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.N)/base.Seconds(), "bare-req/s")
	b.ReportMetric(ours.Seconds()/base.Seconds(), "time-vs-bare")
}

// arrivals records when each request's body has fully arrived.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	now := time.Now()
	a.mu.Lock()
	a.at = append(a.at, now)
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (a *arrivals) take() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := spread(a.at)
	a.at = a.at[:0]
	return s
}

// BenchmarkDuplicateSkew measures the spread between 16 concurrent
// duplicates: when the campaign writes their last bytes (release skew) and,
// at the server, between the
// first and last of 16 concurrent duplicates fully arriving: released by
// the campaign (pre-established connections, last byte written on one
// signal) beside goroutines that each call http.Client.Do on the signal.
func BenchmarkDuplicateSkew(b *testing.B) {
	const n = 16
	a := &arrivals{}
	srv := httptest.NewServer(a)
	defer srv.Close()
	c, err := newCampaign(Options{Target: srv.URL, Scheme: "stripe", Secret: stripeSecret, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	d := c.b.signed(c.event(0), "skew")
	ds := make([]delivery, n)
	for i := range ds {
		ds[i] = d
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = n
	naive := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	var release, ours, base []time.Duration
	b.ResetTimer()
	for range b.N {
		_, rel, err := releaseTogether(context.Background(), c.s, ds)
		if err != nil {
			b.Fatal(err)
		}
		release = append(release, rel)
		ours = append(ours, a.take())

		gate := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				<-gate
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(d.body))
				req.Header = d.header.Clone()
				if resp, err := naive.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		close(gate)
		wg.Wait()
		base = append(base, a.take())
	}
	b.StopTimer()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(median(release)), "release-skew-µs")
	b.ReportMetric(us(median(ours)), "arrival-skew-µs")
	b.ReportMetric(us(median(base)), "naive-arrival-skew-µs")
	b.ReportMetric(float64(median(ours))/float64(max(median(base), 1)), "arrival-vs-naive")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkSend sends one delivery at a time through the campaign's sender
// to a trivial local handler; its allocations per delivery (the client's
// and the handler's, in one process) do not depend on the machine's load.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(trivial)
	defer srv.Close()
	c, err := newCampaign(Options{Target: srv.URL, Scheme: "stripe", Secret: stripeSecret, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	d := c.b.signed(c.event(0), "bench")
	b.ReportAllocs()
	for b.Loop() {
		if o := c.s.send(context.Background(), d); !o.is2xx() {
			b.Fatal(o.label())
		}
	}
}

// BenchmarkSendBare is BenchmarkSend's baseline: the same deliveries to
// the same handler by http.Client.Do on a client with the campaign's
// transport settings, nothing around it. BenchmarkSend's allocations
// minus these are what the campaign's send path adds.
func BenchmarkSendBare(b *testing.B) {
	srv := httptest.NewServer(trivial)
	defer srv.Close()
	c, err := newCampaign(Options{Target: srv.URL, Scheme: "stripe", Secret: stripeSecret, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	bare := newClient(c.o)
	defer bare.CloseIdleConnections()
	d := c.b.signed(c.event(0), "bench")
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(d.body))
		req.Header = d.header
		resp, err := bare.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
