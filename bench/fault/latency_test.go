package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// syntheticRun is a latency run of n requests per server: faultline's all
// at 101ms but a share slow at slow, the bare server's all at bare.
func syntheticRun(n int, share float64, slow, bare time.Duration) latencyRun {
	var run latencyRun
	for j := range n {
		d := 101 * time.Millisecond
		if j < int(share*float64(n)) {
			d = slow
		}
		run.lat[0], run.lat[1] = append(run.lat[0], d), append(run.lat[1], bare)
	}
	return run
}

// The verdict is on faultline's own p99 and p50, never relative to the
// bare server's: a bare server slower still neither excuses a miss nor
// spoils a pass.
func TestLatencyVerdictIsFaultlinesOwn(t *testing.T) {
	cases := []struct {
		name  string
		run   latencyRun
		want  bool
		lines []string
	}{
		{"2% at 106ms, the bare server worse", syntheticRun(8000, 0.02, 106*time.Millisecond, 110*time.Millisecond), false,
			[]string{"PASS  latency 100ms x 100 connections, 8000 requests: p50 101.00ms", "FAIL  latency 100ms x 100 connections: p99 106.00ms"}},
		{"0.9% at 300ms, the bare server better", syntheticRun(8000, 0.009, 300*time.Millisecond, 100*time.Millisecond), true,
			[]string{"PASS  latency 100ms x 100 connections: p99 101.00ms"}},
		{"2% at 104.9ms", syntheticRun(8000, 0.02, 104900*time.Microsecond, 100*time.Millisecond), true,
			[]string{"p99 104.90ms (target < 100ms +5ms); a bare timer server in the same run: 100.00ms"}},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if got := c.run.report(&out); got != c.want {
			t.Errorf("%s: verdict %v, want %v:\n%s", c.name, got, c.want, out.String())
		}
		for _, l := range c.lines {
			if !strings.Contains(out.String(), l) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, l, out.String())
			}
		}
	}
	var out bytes.Buffer
	run := syntheticRun(8000, 0, 0, 100*time.Millisecond)
	run.lat[0] = nil
	if run.report(&out) || !strings.Contains(out.String(), "FAIL  latency: no requests completed") {
		t.Errorf("a run without faultline's requests must fail: %q", out.String())
	}
}

// A server's windows share its connections: one dial per worker for the
// whole row, so no window pays for (or times) a dial.
func TestLatencyWindowsKeepConnections(t *testing.T) {
	var dials atomic.Int64
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(50 * time.Millisecond)
		_, _ = w.Write(body)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			dials.Add(1)
		}
	}
	s.Start()
	defer s.Close()
	client, done := latencyClient()
	defer done()
	total := 0
	for range 3 {
		got, err := timedWindow(context.Background(), client, s.URL)
		if err != nil {
			t.Fatal(err)
		}
		total += len(got)
	}
	if total < 3*latencyConns {
		t.Errorf("%d requests in 3 windows, want at least one per worker in each", total)
	}
	if n := dials.Load(); n > latencyConns {
		t.Errorf("%d connections dialed for 3 windows of %d workers, want at most %d", n, latencyConns, latencyConns)
	}
}

var sink [][]byte

// While the timed windows run, the load generator does not collect: 64MB
// allocated in 1KB pieces (GOGC=100 would collect a dozen times) count no
// cycle; afterwards the collector's settings are as they were.
func TestHoldGCKeepsTheLoadGeneratorsCollectorOut(t *testing.T) {
	var gc loaderGC
	restore := holdGC(&gc)
	for range 64 << 10 {
		sink = append(sink, make([]byte, 1<<10))
		if len(sink) > 1<<10 {
			sink = sink[:0]
		}
	}
	restore()
	sink = nil
	if gc.gcs != 0 || gc.bytes < 64<<20 {
		t.Errorf("%d collections and %d bytes allocated while held, want 0 and at least 64MB", gc.gcs, gc.bytes)
	}
	if pct := debug.SetGCPercent(100); pct != 100 {
		t.Errorf("GC percent %d after the hold, want 100 (as before)", pct)
	}
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 {
		t.Errorf("memory limit %d after the hold, want none", limit)
	}
}

// Only throughput rows get "repetition k of N" headers: -rows latency
// -repeat N prints its own per run.
func TestThroughputRowsSelected(t *testing.T) {
	for rows, want := range map[string]bool{"latency": false, "stub": true, "proxy,latency": true, "replay": true} {
		cfg, err := newConfig(rows, 0, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.throughput(); got != want {
			t.Errorf("-rows %s: throughput() = %v, want %v", rows, got, want)
		}
	}
}
