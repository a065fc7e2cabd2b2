package admin

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/fault"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	ioWait    = 3 * time.Second // longest a test waits for a journal entry
	pollEvery = 5 * time.Millisecond
)

// servePlan loads a YAML plan and serves it for the test's lifetime.
func servePlan(t *testing.T, src string, opts ...fault.Option) *fault.Server {
	t.Helper()
	p, err := fault.LoadPlan("test.yaml", []byte(src))
	require.NoError(t, err)
	s := fault.NewServer(p, opts...)
	t.Cleanup(s.Close)
	return s
}

// get does a GET on a fresh connection and reads the whole body.
func get(t *testing.T, s *fault.Server, path string) (int, string, error) {
	t.Helper()
	c := &http.Client{Transport: s.Client().Transport.(*http.Transport).Clone()}
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Get(s.URL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// statuses makes n sequential GETs and returns their status codes.
func statuses(t *testing.T, s *fault.Server, path string, n int) []int {
	t.Helper()
	var out []int
	for range n {
		code, _, err := get(t, s, path)
		require.NoError(t, err)
		out = append(out, code)
	}
	return out
}
