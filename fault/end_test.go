package fault

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/reqlog"
)

// With real time, a request's log line is dated when its entry says it
// ended (its start plus its duration, to the nanosecond), within the wall
// time around the request: the line and the entry name one instant.
func TestLogLineDatedAtTheEntrysEnd(t *testing.T) {
	var log bytes.Buffer
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(2 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}), &Plan{Routes: []Route{{Name: "x", Match: Match{Path: "/x"}}}}, WithLogger(slog.New(reqlog.NewJSON(&log, nil))))
	for range 20 {
		log.Reset()
		before := time.Now()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		after := time.Now()
		es := h.Journal().Entries()
		e := es[len(es)-1]
		var line struct{ Time time.Time }
		require.NoError(t, json.Unmarshal(log.Bytes(), &line), log.String())
		assert.True(t, line.Time.Equal(e.EndTime()), "log %s, entry ends %s", line.Time, e.EndTime())
		assert.GreaterOrEqual(t, e.Duration, 2*time.Millisecond)
		assert.False(t, e.Time.Before(before.Round(0)) || e.EndTime().After(after.Round(0)), "entry %s+%s outside %s..%s", e.Time, e.Duration, before, after)
	}
}
