package fault

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/syncbuf"
)

func TestJournalRecordsAndMasks(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {first: 1}\n        status: {code: 503}\n")
	req, _ := http.NewRequest("POST", s.URL+"/x?api_key=sk_live_123&page=2", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer sk_live_secret")
	req.Header.Set("Idempotency-Key", "idem-1")
	req.Header.Set("X-Request-Id", "rid-1")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	e := s.Journal().Entries()
	require.Len(t, e, 1)
	assert.Equal(t, uint64(1), e[0].Seq)
	assert.Equal(t, "idem-1", e[0].IdempotencyKey)
	assert.Equal(t, "rid-1", e[0].RequestID)
	assert.Equal(t, int64(7), e[0].BodySize)
	assert.Len(t, e[0].BodySHA256, 64)
	assert.Equal(t, 503, e[0].Status)
	assert.Equal(t, journal.EndComplete, e[0].End)
	assert.Equal(t, "Bearer [REDACTED]", e[0].Headers["Authorization"])
	assert.Equal(t, "api_key=[REDACTED]&page=2", e[0].Query)

	buf := jsonLines(t, e)
	assert.NotContains(t, buf.String(), "sk_live", "secrets never reach the journal")
	var back journal.Entry
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, e[0].Seq, back.Seq)
}

func TestResetRestartsSchedules(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {first: 1}\n        status: {code: 503}\n")
	assert.Equal(t, "503 200", join(statuses(t, s, "/x", 2, nil)))
	s.Handler.Reset()
	assert.Empty(t, s.Journal().Entries())
	assert.Equal(t, "503 200", join(statuses(t, s, "/x", 2, nil)))
}

func TestWrapPassesThroughToBase(t *testing.T) {
	base := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("from base")) })
	p, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - when: {first: 1}\n        status: {code: 500}\n"))
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(base, p), nil)
	require.NoError(t, err)
	defer s.Close()
	code, _, _ := get(t, s, "/x")
	assert.Equal(t, 500, code)
	code, body, _ := get(t, s, "/x")
	assert.Equal(t, 200, code)
	assert.Equal(t, "from base", body)
	_, body, _ = get(t, s, "/other")
	assert.Equal(t, "from base", body)
}

func TestEffectMarksProcessedRequests(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {requests: '1'}\n        status: {code: 503}\n      - when: {requests: '2'}\n        reset: {after_effect: true}\n      - when: {requests: '3'}\n        reset:\n")
	for i := 0; i < 4; i++ {
		_, _, _ = get(t, s, "/x")
	}
	var effects []bool
	for _, e := range settled(t, s) {
		effects = append(effects, e.Effect)
	}
	assert.Equal(t, []bool{false, true, false, true}, effects)
}

// The journal and the request log mask what the cassette redactor does:
// escaped names, Azure SAS signatures, OAuth codes, path parameters, keys
// inside User-Agent and passwords of URLs inside query values.
func TestJournalMaskingGaps(t *testing.T) {
	var log syncbuf.Buffer
	s := servePlan(t, "routes:\n  - path: /{p}\n    respond: {status: 200}\n",
		WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	leaks := []string{"k3y", "s1gnature", "0authc0de", "pathk3y", "sk_live_abcdefghijklmnop", "hunter2"}
	req, err := http.NewRequest("GET", s.URL+"/items;api_key=pathk3y?api%5Fkey=k3y&sig=s1gnature&code=0authc0de"+
		"&next=https%3A%2F%2Fann%3Ahunter2%40example.com%2F&zipcode=12345&page=2", nil)
	require.NoError(t, err)
	req.Header.Set("User-Agent", "shop/1.0 (key sk_live_abcdefghijklmnop)")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	e := s.Journal().Entries()
	require.Len(t, e, 1)
	assert.Equal(t, "/items;api_key=[REDACTED]", e[0].Path)
	assert.Equal(t, "api%5Fkey=[REDACTED]&sig=[REDACTED]&code=[REDACTED]&next=https%3A%2F%2Fann%3A[REDACTED]%40example.com%2F&zipcode=12345&page=2", e[0].Query)
	assert.Equal(t, "shop/1.0 (key [REDACTED])", e[0].UserAgent)
	buf := jsonLines(t, e)
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "items") }, 5*time.Second, 5*time.Millisecond)
	for _, leak := range leaks {
		assert.NotContains(t, buf.String(), leak, "journal")
		assert.NotContains(t, log.String(), leak, "request log")
	}
	assert.Contains(t, buf.String(), "zipcode=12345", "not every name with code in it is a secret")
}

// cutMarker starts what replaces the end of a value cut to the journal's
// limit, as WithJournalValueMax documents it.
const cutMarker = "…[cut "

// TestJournalBoundedInBytes: requests with 58 KB of headers, path and query
// leave entries of a few KB, each cut value marked with its length and a
// digest that tells two long values apart.
func TestJournalBoundedInBytes(t *testing.T) {
	s := servePlan(t, "routes:\n  - path: /**\n    respond: {status: 200}\n", WithJournalValueMax(512))
	big := strings.Repeat("é", 9000) // 18,000 bytes of two-byte characters
	c := s.Client()
	for i := range 20 {
		req, err := http.NewRequest("GET", s.URL+"/"+strings.Repeat("p", 2000)+"?q="+strings.Repeat("v", 2000), nil)
		require.NoError(t, err)
		req.Header.Set("User-Agent", big+itoa(i))
		req.Header.Set("Idempotency-Key", big+itoa(i))
		req.Header.Set("Content-Type", big)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}
	entries := s.Journal().Entries()
	require.Len(t, entries, 20)
	buf := jsonLines(t, entries)
	assert.Less(t, buf.Len(), 20*6<<10, "20 entries of 58 KB values take under 6 KiB each")

	e := entries[0]
	for name, v := range map[string]string{"user agent": e.UserAgent, "idempotency key": e.IdempotencyKey, "path": e.Path, "query": e.Query, "content type": e.Headers["Content-Type"]} {
		assert.Contains(t, v, cutMarker, name)
		assert.LessOrEqual(t, len(v), 512+64, name)
		assert.True(t, utf8.ValidString(v), "%s is cut at a character boundary", name)
	}
	assert.Contains(t, e.UserAgent, "cut 17489 bytes, sha256 ")
	assert.NotEqual(t, entries[0].IdempotencyKey, entries[1].IdempotencyKey, "long keys that differ only past the cut still differ")

	short := servePlan(t, okRoute)
	_, _, err := get(t, short, "/x")
	require.NoError(t, err)
	assert.NotContains(t, short.Journal().Entries()[0].UserAgent, cutMarker, "a value under the limit is kept whole")
}

// jsonLines is the journal as fault/admin serves it: one JSON entry a line.
func jsonLines(t *testing.T, es []journal.Entry) *bytes.Buffer {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range es {
		require.NoError(t, enc.Encode(&es[i]))
	}
	return &buf
}
