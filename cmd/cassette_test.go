package cmd

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// serveUntil runs a long-running command until stop is called, waiting
// until its address answers.
func serveUntil(t *testing.T, addr string, run func(ctx context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx) }()
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	return func() error { cancel(); return <-errc }
}

func TestRecordReplayDriftScan(t *testing.T) {
	var changed atomic.Bool
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if changed.Load() {
			_, _ = io.WriteString(w, `{"id":"ch_2","amount":"100"}`) // amount became a string
			return
		}
		_, _ = io.WriteString(w, `{"id":"ch_1","amount":100}`)
	}))
	defer live.Close()
	dir := t.TempDir()
	cas := filepath.Join(dir, "c.yaml")

	// Record one interaction through the proxy, with a credential that must not reach disk.
	addr := freeAddr(t)
	var out bytes.Buffer
	stop := serveUntil(t, addr, func(ctx context.Context) error {
		return runRecord(ctx, &out, io.Discard, &recordOptions{upstream: live.URL, cassette: cas, addr: addr, mode: "all", logFormat: "json"})
	})
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/charges/ch_1", nil)
	req.Header.Set("Authorization", "Bearer sk_live_abcdefghijklmnop")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, stop())
	data, err := os.ReadFile(cas)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "sk_live_abcdefghijklmnop", "secrets are redacted before disk")

	// The recording scans clean; a planted secret does not.
	var scan bytes.Buffer
	require.NoError(t, scanCassettes(&scan, []string{cas}))
	leaky := filepath.Join(dir, "leaky.yaml")
	require.NoError(t, os.WriteFile(leaky, []byte(strings.Replace(string(data), "ch_1", "sk_live_51HqLyjWDarjtT1zdp7dc", 1)), 0o644))
	assert.Error(t, scanCassettes(&scan, []string{leaky}))

	// Replay answers the recorded request; --strict fails on an unmatched one.
	addr = freeAddr(t)
	stop = serveUntil(t, addr, func(ctx context.Context) error {
		return runReplay(ctx, io.Discard, io.Discard, &replayOptions{cassette: cas, addr: addr, latency: "none", strict: true, logFormat: "json"})
	})
	resp, err = http.Get("http://" + addr + "/v1/charges/ch_1")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"id":"ch_1","amount":100}`, string(body))
	resp, err = http.Get("http://" + addr + "/v1/unknown")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	err = stop()
	require.Error(t, err)
	assert.Equal(t, ExitFailed, err.(*exitError).code)

	// Drift: unchanged passes; a changed type is breaking (exit 1).
	var drift bytes.Buffer
	require.NoError(t, runDrift(context.Background(), &drift, &driftOptions{cassette: cas, upstream: live.URL, noColor: true}))
	changed.Store(true)
	drift.Reset()
	err = runDrift(context.Background(), &drift, &driftOptions{cassette: cas, upstream: live.URL, noColor: true})
	require.Error(t, err)
	assert.Equal(t, ExitFailed, err.(*exitError).code)
	assert.Contains(t, drift.String(), "type-changed")
}

func TestCassetteCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 2\ninteractions:\n  - request: [oops\n"), 0o644))
	var stdout, stderr bytes.Buffer
	assert.Equal(t, ExitUsage, Execute([]string{"replay", "--cassette", bad}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "bad.yaml")
	assert.Equal(t, ExitUsage, Execute([]string{"drift", "--cassette", bad, "--upstream", "http://127.0.0.1:1"}, &stdout, &stderr))
	assert.Equal(t, ExitUsage, Execute([]string{"record", "--upstream", "ftp://x", "--cassette", bad}, &stdout, &stderr))
}

// scan exits 1 on a secret and 2 on a file whose secrets it cannot judge.
func TestScanExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	leaky := write("leaky.yaml", "version: 2\ninteractions:\n  - request: {method: GET, url: 'https://a.test/x', headers: {X-Api-Key: [k_live_0123456789]}}\n    response: {code: 200}\n")
	clean := write("clean.yaml", "version: 2\ninteractions:\n  - request: {method: GET, url: 'https://a.test/x', headers: {X-Api-Key: ['[REDACTED]']}}\n    response: {code: 200}\n")
	cases := map[string]int{
		clean: 0, leaky: 1,
		write("empty.yaml", ""):                                2,
		write("truncated.yaml", "version: 2\ninteractions:\n"): 2,
		write("v9.yaml", "version: 9\ninteractions: []\n"):     2,
	}
	for path, want := range cases {
		var out, errOut bytes.Buffer
		assert.Equal(t, want, Execute([]string{"cassette", "scan", path}, &out, &errOut), "%s: %s%s", path, out.String(), errOut.String())
	}
}
