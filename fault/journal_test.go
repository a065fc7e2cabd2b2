package fault

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	assert.Equal(t, EndComplete, e[0].End)
	assert.Equal(t, "Bearer ***", e[0].Headers["Authorization"])
	assert.Equal(t, "api_key=***&page=2", e[0].Query)

	var buf bytes.Buffer
	require.NoError(t, WriteJSONL(&buf, e))
	assert.NotContains(t, buf.String(), "sk_live", "secrets never reach the journal")
	var back Entry
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, e[0].Seq, back.Seq)
}

func TestJournalIsBounded(t *testing.T) {
	j := NewJournal(3)
	for i := 0; i < 5; i++ {
		j.add(Entry{Seq: j.nextSeq()})
	}
	var seqs []uint64
	for _, e := range j.Entries() {
		seqs = append(seqs, e.Seq)
	}
	assert.Equal(t, []uint64{3, 4, 5}, seqs)
	assert.Equal(t, uint64(2), j.Dropped())
	assert.Len(t, j.Since(4), 1)
	j.Reset()
	assert.Empty(t, j.Entries())
	assert.Equal(t, uint64(6), j.nextSeq(), "sequence numbers are never reused")
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

func TestJournalMasksLikeTheRedactor(t *testing.T) {
	assert.Equal(t, "pwd=***&jwt=***&passphrase=***&page=2", maskQuery("pwd=hunter2&jwt=eyJabc&passphrase=p&page=2"))
	assert.Equal(t, "q=***", maskQuery("q=sk_live_abcdefghijklmnop"), "a known key format is masked under any name")
}
