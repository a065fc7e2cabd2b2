package resilience

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		out = append(out, m)
	}
	return out
}

func TestOneLogRecordPerAttempt(t *testing.T) {
	s := newScript(t, status(503, ""), status(200, "ok"))
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	c := newClient(t, testPolicy(), WithLogger(log), WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), get(s.url("/v1/items?api_key=s3cr3t&page=2")))
	require.NoError(t, err)

	recs := buf.records(t)
	require.Len(t, recs, 2)
	sent := s.seen()
	for i, r := range recs {
		assert.Equal(t, "attempt", r["msg"])
		assert.Equal(t, "GET", r["method"])
		assert.EqualValues(t, i+1, r["attempt"])
		assert.Equal(t, sent[i].RequestID, r["request_id"], "the log's correlation ID is the one sent as X-Request-Id")
		assert.Contains(t, r["url"], "api_key=[REDACTED]")
		assert.Contains(t, r["url"], "page=2")
		assert.Contains(t, r, "latency")
	}
	assert.EqualValues(t, 503, recs[0]["status"])
	assert.Equal(t, "transient", recs[0]["class"])
	assert.Equal(t, "retry", recs[0]["decision"])
	assert.EqualValues(t, 200, recs[1]["status"])
	assert.Equal(t, "success", recs[1]["decision"])
	assert.NotContains(t, buf.b.String(), "s3cr3t", "secrets never reach the log")
}

func TestLogRecordsTheGiveUpDecision(t *testing.T) {
	s := newScript(t, status(404, ""))
	var buf syncBuffer
	c := newClient(t, testPolicy(), WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.Error(t, err)
	recs := buf.records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "give_up: not retryable", recs[0]["decision"])
	assert.Equal(t, "WARN", recs[0]["level"])
}

func TestErrorsNameTheCallAndMaskSecrets(t *testing.T) {
	s := newScript(t, status(503, ""))
	p := testPolicy()
	p.Retry.MaxAttempts = 2
	p.StaleCache.Enabled = false
	c := newClient(t, p, WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), get(s.url("/x?access_token=s3cr3t")))
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "s3cr3t")
	assert.Contains(t, msg, "GET "+s.url("/x?access_token=[REDACTED]"))
	assert.Contains(t, msg, "retries exhausted after 2 attempts (last status 503 Service Unavailable, transient)")
	assert.Contains(t, msg, "raise retry.max_attempts")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.LastStatus)
	for _, other := range []error{ErrCircuitOpen, ErrBudgetExhausted, ErrDeadline, ErrNotRetryable, ErrBulkheadFull} {
		assert.False(t, errors.Is(err, other), "matches exactly one reason, not %v", other)
	}
}

func TestMetricsSnapshot(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, status(503, ""), status(200, "ok"), status(404, ""), status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/a")))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), get(s.url("/b")))
	require.ErrorIs(t, err, ErrNotRetryable)
	_, err = c.Do(context.Background(), get(s.url("/c")))
	require.NoError(t, err)
	m := c.Metrics()
	assert.EqualValues(t, 3, m.Calls)
	assert.EqualValues(t, 4, m.Attempts)
	assert.EqualValues(t, 1, m.Retries)
	assert.EqualValues(t, 2, m.Succeeded)
	assert.EqualValues(t, 1, m.Failed)
	assert.Equal(t, map[Class]int64{ClassOK: 2, ClassTransient: 1, ClassClientError: 1}, m.Outcomes)
	assert.Equal(t, map[string]int64{"not retryable": 1}, m.Failures)
	assert.Positive(t, m.LatencyP99, "the backoff sleep of the first call is in its latency")
	assert.GreaterOrEqual(t, m.LatencyP99, m.LatencyP50)
	js, err := json.Marshal(m)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"outcomes":{"client_error":1,"ok":2,"transient":1}`)
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(lat, 50))
	assert.Equal(t, 95*time.Millisecond, percentile(lat, 95))
	assert.Equal(t, 99*time.Millisecond, percentile(lat, 99))
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
	assert.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 99))
}

func TestRoundTripper(t *testing.T) {
	s := newScript(t, status(503, ""), status(201, "created"))
	c := newClient(t, testPolicy(), WithClock(newFakeClock()))
	hc := &http.Client{Transport: c.RoundTripper()}
	resp, err := hc.Post(s.url("/items"), "application/json", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "created", string(body))
	r := s.seen()
	require.Len(t, r, 2)
	assert.Equal(t, `{"a":1}`, string(r[1].Body))
	assert.Equal(t, r[0].Key, r[1].Key)
	assert.NotEmpty(t, r[0].Key)

	// A failure status comes back as a response, as RoundTripper requires.
	s404 := newScript(t, status(404, "nope"))
	resp, err = hc.Get(s404.url("/x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)

	// No response at all is an error that still matches the sentinels.
	p := breakerPolicy()
	cb := newClient(t, p)
	down := newScript(t, status(503, ""))
	hb := &http.Client{Transport: cb.RoundTripper()}
	for range 3 {
		resp, err := hb.Get(down.url("/x"))
		require.NoError(t, err)
		resp.Body.Close()
	}
	_, err = hb.Get(down.url("/x"))
	require.ErrorIs(t, err, ErrCircuitOpen)
}
