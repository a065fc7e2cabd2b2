package cmd

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
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
	if o.log.format == "" {
		o.log.format = "json"
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

// sendHeld sends a request to url that the upstream holds, and calls
// arrived once the upstream's handler has it: the request asks for
// 100-continue, which the server sends when the handler reads the body, so
// a test waits for the request to be held instead of sleeping and hoping.
func sendHeld(url string, arrived func()) error {
	trace := &httptrace.ClientTrace{Got100Continue: arrived}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", url, strings.NewReader("{}"))
	req.Header.Set("Expect", "100-continue")
	// Never send the body unasked: only the server's 100 tells arrival.
	c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// waitHeld waits for the held requests to reach the upstream, failing the
// test rather than hanging if they never do.
func waitHeld(t *testing.T, held *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { held.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream never took the held requests")
	}
}

func TestServeDrainsOnCancel(t *testing.T) {
	r := startServe(t, serveOptions{config: allFaults})
	var held sync.WaitGroup
	held.Add(1)
	done := make(chan error, 1)
	go func() { done <- sendHeld(r.upstream+"/hang", held.Done) }()
	waitHeld(t, &held)
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
	var held sync.WaitGroup
	held.Add(n)
	for range n {
		go func() { errs <- sendHeld(r.upstream+"/slow", held.Done) }()
	}
	waitHeld(t, &held)
	start := time.Now()
	require.NoError(t, r.stop(), "exit 0")
	assert.Less(t, time.Since(start), drainTimeout/2, "injected delays are cut, not drained")
	for range n {
		assert.Error(t, <-errs, "a cut request's connection is closed, not answered")
	}
}
