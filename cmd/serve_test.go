package cmd

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/syncbuf"
)

const allFaults = "../scenarios/examples/all-faults.yaml"

// running is a runServe in the background.
type running struct {
	upstream, admin string
	stdout, stderr  *syncbuf.Buffer
	stop            func() error // cancels the context and returns runServe's error
}

// startServe runs runServe on free loopback ports until the test ends.
func startServe(t *testing.T, o serveOptions) *running {
	t.Helper()
	o.addr, o.admin = "127.0.0.1:0", "127.0.0.1:0"
	if o.logFormat == "" {
		o.logFormat = "json"
	}
	r := &running{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}}
	ready := make(chan struct{})
	o.ready = func(up, admin string) { r.upstream, r.admin = up, admin; close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- runServe(ctx, o, r.stdout, r.stderr) }()
	select {
	case <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("runServe: %v", err)
	}
	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-errc:
			case <-time.After(5 * time.Second):
				t.Fatal("runServe did not return after cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

func TestServeDrainsOnCancel(t *testing.T) {
	r := startServe(t, serveOptions{config: allFaults})
	wrote := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", r.upstream+"/hang", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-wrote
	time.Sleep(50 * time.Millisecond) // let the server pick the request up
	start := time.Now()
	require.NoError(t, r.stop(), "a signal ends serve with exit 0")
	assert.Less(t, time.Since(start), 2*time.Second, "held requests are released")
	assert.Error(t, <-done, "the hung request was closed, not answered")
	assert.Contains(t, r.stderr.String(), `"path":"/hang"`)
	assert.Contains(t, r.stderr.String(), `"end":"hung"`)
}

// TestServeExitsZeroWithDelaysInFlight: a signal while 50 requests sit in
// a 30 s latency fault ends serve with exit 0 well within the drain time.
func TestServeExitsZeroWithDelaysInFlight(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "slow.yaml")
	require.NoError(t, os.WriteFile(plan, []byte("routes:\n  - path: /slow\n    respond: {status: 200}\n    faults: [{latency: {fixed: 30s}}]\n"), 0o600))
	r := startServe(t, serveOptions{config: plan})
	const n = 50
	errs := make(chan error, n)
	var wrote sync.WaitGroup
	wrote.Add(n)
	for range n {
		go func() {
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Done() }}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", r.upstream+"/slow", nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	wrote.Wait()
	time.Sleep(100 * time.Millisecond) // let the server pick the requests up
	start := time.Now()
	require.NoError(t, r.stop(), "exit 0")
	assert.Less(t, time.Since(start), drainTimeout/2, "injected delays are cut, not drained")
	for range n {
		assert.Error(t, <-errs, "a cut request's connection is closed, not answered")
	}
}
