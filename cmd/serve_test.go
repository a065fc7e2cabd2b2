package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
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

	"github.com/faultline-dev/faultline/fault"

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

func getBody(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeAllFaults(t *testing.T) {
	r := startServe(t, serveOptions{config: allFaults})
	assert.Contains(t, r.stdout.String(), "seed 42 (from the plan)")
	assert.Contains(t, r.stdout.String(), "upstream  "+r.upstream)
	assert.Contains(t, r.stdout.String(), "admin     "+r.admin)

	// No keep-alive: Go retries a GET whose reused connection was reset.
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	code, body := getBody(t, c, r.upstream+"/ok")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"cus_1"`)
	code, _ = getBody(t, c, r.upstream+"/status")
	assert.Equal(t, 503, code)
	_, err := c.Get(r.upstream + "/reset")
	assert.Error(t, err)

	_, plan := getBody(t, c, r.admin+"/plan")
	assert.Contains(t, plan, "rate_limit: {limit: 2", "GET /plan returns the plan file")

	require.Eventually(t, func() bool {
		_, j := getBody(t, c, r.admin+"/journal")
		return strings.Count(j, "\n") == 3
	}, 3*time.Second, 10*time.Millisecond)
	_, journal := getBody(t, c, r.admin+"/journal?since=1")
	lines := strings.Split(strings.TrimSpace(journal), "\n")
	require.Len(t, lines, 2)
	var e fault.Entry
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &e))
	assert.Equal(t, "status", e.FaultNames())

	_, metrics := getBody(t, c, r.admin+"/metrics")
	assert.Contains(t, metrics, `faultline_faults_total{type="reset"} 1`)
	assert.Contains(t, metrics, `faultline_requests_total{route="status",status="503"} 1`)

	require.NoError(t, r.stop())
	logs := r.stderr.String()
	var statusLine map[string]any
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"path":"/status"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &statusLine))
		}
	}
	require.NotNil(t, statusLine, "one JSON log line per request:\n%s", logs)
	assert.Equal(t, "status", statusLine["fault"])
	assert.EqualValues(t, 503, statusLine["status"])
}

func TestServeSeed(t *testing.T) {
	seed := int64(7)
	r := startServe(t, serveOptions{config: allFaults, seed: &seed})
	assert.Contains(t, r.stdout.String(), "seed 7 (from --seed)")
	_, plan := getBody(t, http.DefaultClient, r.admin+"/plan")
	assert.Contains(t, plan, `"seed":7`, "the YAML no longer describes the plan in force, so GET /plan summarizes")

	dir := t.TempDir()
	noSeed := filepath.Join(dir, "plan.yaml")
	require.NoError(t, os.WriteFile(noSeed, []byte("routes:\n  - path: /ok\n"), 0o600))
	r = startServe(t, serveOptions{config: noSeed})
	assert.Regexp(t, `seed [1-9][0-9]* \(random; pass --seed to repeat this run\)`, r.stdout.String())
}

func TestServeScenarioFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scenario.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: x\nseed: 9\nupstream:\n  routes:\n    - path: /ok\n      respond: {status: 204}\n"), 0o600))
	r := startServe(t, serveOptions{config: path})
	assert.Contains(t, r.stdout.String(), "1 route from "+path+", seed 9")
	code, _ := getBody(t, http.DefaultClient, r.upstream+"/ok")
	assert.Equal(t, 204, code)
}

func TestServeProxyWithTLS(t *testing.T) {
	up := fault.NewServer(&fault.Plan{Routes: []fault.Route{{Name: "real", Respond: &fault.Response{Body: []byte("from upstream")}}}})
	defer up.Close()
	plan := filepath.Join(t.TempDir(), "proxy.yaml")
	require.NoError(t, os.WriteFile(plan, []byte("routes:\n  - path: /v1/**\n    faults:\n      - when: {first: 1}\n        status: {code: 502}\n"), 0o600))
	caOut := filepath.Join(t.TempDir(), "ca.pem")
	r := startServe(t, serveOptions{config: plan, upstream: up.URL, tls: true, caOut: caOut})
	require.True(t, strings.HasPrefix(r.upstream, "https://"), r.upstream)
	assert.Contains(t, r.stdout.String(), "proxying to "+up.URL)

	pem, err := os.ReadFile(caOut)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer c.CloseIdleConnections()
	code, _ := getBody(t, c, r.upstream+"/v1/charges")
	assert.Equal(t, 502, code, "the fault answers instead of forwarding")
	code, body := getBody(t, c, r.upstream+"/v1/charges")
	assert.Equal(t, 200, code)
	assert.Equal(t, "from upstream", body)
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

func TestServeErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("routes:\n  - path: /x\n    faults:\n      - latency: {fixd: 1s}\n"), 0o600))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()

	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"invalid plan", []string{"--config", bad}, ExitUsage, bad + ":4:19: routes[0].faults[0].latency: unknown key \"fixd\" (did you mean \"fixed\"?)"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml")}, ExitUsage, "cannot read --config"},
		{"no config", nil, ExitUsage, "config"},
		{"log format", []string{"--config", allFaults, "--log-format", "xml"}, ExitUsage, `--log-format "xml": use text or json`},
		{"log level", []string{"--config", allFaults, "--log-level", "loud"}, ExitUsage, `--log-level "loud": use debug, info, warn or error`},
		{"upstream", []string{"--config", allFaults, "--upstream", "api.example.com"}, ExitUsage, "--upstream"},
		{"admin beyond loopback", []string{"--config", allFaults, "--addr", "127.0.0.1:0", "--admin", "0.0.0.0:0"}, ExitUsage, "--admin-token"},
		{"port in use", []string{"--config", allFaults, "--addr", busy.Addr().String()}, ExitInternal, "cannot listen on " + busy.Addr().String()},
		{"admin port in use", []string{"--config", allFaults, "--addr", "127.0.0.1:0", "--admin", busy.Addr().String()}, ExitInternal, "admin API: cannot listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Execute(append([]string{"serve"}, tc.args...), &stdout, &stderr)
			assert.Equal(t, tc.code, code, stderr.String())
			assert.Contains(t, stderr.String(), tc.msg)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr.String()), "\n")+1, "one-line error: %q", stderr.String())
			assert.NotContains(t, stderr.String(), "goroutine")
		})
	}
}

func TestServeHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, ExitOK, Execute([]string{"help", "serve"}, &stdout, &stderr))
	for _, flag := range []string{"--config", "--addr", "--admin", "--upstream", "--seed", "--tls", "--ca-out", "--log-format", "--admin-token"} {
		assert.Contains(t, stdout.String(), flag)
	}
}

func TestServeAdminToken(t *testing.T) {
	r := startServe(t, serveOptions{config: allFaults, adminToken: "t0ken-value"})
	code, _ := getBody(t, http.DefaultClient, r.admin+"/healthz")
	assert.Equal(t, http.StatusUnauthorized, code)
	req, err := http.NewRequest(http.MethodGet, r.admin+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t0ken-value")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, r.stop())
	assert.NotContains(t, r.stdout.String()+r.stderr.String(), "t0ken-value", "the token is never printed")
}

// TestServeQuietAndLogLevel: --quiet and --log-level warn leave the
// per-request lines out; the default writes one per request, all of them
// by the time serve returns (the log is written in batches).
func TestServeQuietAndLogLevel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     serveOptions
		lines int
	}{
		{"default", serveOptions{}, 20},
		{"quiet", serveOptions{quiet: true}, 0},
		{"warn", serveOptions{logLevel: "warn"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.config = allFaults
			r := startServe(t, tc.o)
			for range 20 {
				resp, err := http.Get(r.upstream + "/nothing-here")
				require.NoError(t, err)
				resp.Body.Close()
			}
			require.NoError(t, r.stop())
			assert.Equal(t, tc.lines, strings.Count(r.stderr.String(), `"path":"/nothing-here"`), r.stderr.String())
		})
	}
}
