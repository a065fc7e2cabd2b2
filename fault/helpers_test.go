package fault

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// servePlan loads a YAML plan and serves it for the test's lifetime.
func servePlan(t *testing.T, src string, opts ...Option) *Server {
	t.Helper()
	p, err := LoadPlan("test.yaml", []byte(src))
	require.NoError(t, err)
	s := NewServer(p, opts...)
	t.Cleanup(s.Close)
	return s
}

// get does a GET with a fresh connection and reads the whole body.
func get(t *testing.T, s *Server, path string) (int, string, error) {
	t.Helper()
	return do(t, s, http.MethodGet, path, nil)
}

func do(t *testing.T, s *Server, method, path string, hdr map[string]string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := s.Client()
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// statuses makes n sequential GETs and returns their status codes.
func statuses(t *testing.T, s *Server, path string, n int, hdr map[string]string) []int {
	t.Helper()
	var out []int
	for i := 0; i < n; i++ {
		code, _, err := do(t, s, http.MethodGet, path, hdr)
		require.NoError(t, err)
		out = append(out, code)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func jsonValid(s string) bool { return json.Valid([]byte(s)) }

func (j *Journal) nextSeqPeek() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// settled returns the journal once no request is in flight: a client sees a
// reset or close before the handler has recorded it.
func settled(t *testing.T, s *Server) []Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.NoError(t, s.Handler.Wait(ctx))
	return s.Journal().Entries()
}
