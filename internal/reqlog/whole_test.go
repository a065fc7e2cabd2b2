package reqlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/logbuf"
	"github.com/faultline-dev/faultline/internal/syncbuf"
)

// A logbuf.Writer takes the lines without a lock of the Handler's, and
// lines written at once by both paths (WriteRequest and slog's) still come
// out whole, one JSON object per line, none lost.
func TestWholeWriterLinesStayWhole(t *testing.T) {
	var dst syncbuf.Buffer
	out := logbuf.New(&dst)
	h := NewJSON(out, nil)
	assert.Same(t, out, h.w, "a WholeWriter is written to directly")
	logger := slog.New(h)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				if g%2 == 0 {
					l := Line{Time: time.Now(), Seq: uint64(g*each + i), Method: "GET", Path: "/x", Status: 200, End: "complete", Route: "x"}
					require.True(t, h.WriteRequest(&l))
				} else {
					logger.Info("other", "g", g, "i", i, "pad", strings.Repeat("p", i%300))
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, out.Close())
	lines := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	require.Len(t, lines, workers*each)
	msgs := map[string]int{}
	for _, l := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &v), "a whole JSON line: %q", l)
		msgs[v["msg"].(string)]++
	}
	assert.Equal(t, map[string]int{Msg: workers / 2 * each, "other": workers / 2 * each}, msgs)
}

// Any other writer gets the Handler's lock around it.
func TestOtherWritersAreLocked(t *testing.T) {
	var out bytes.Buffer
	h := NewJSON(&out, nil)
	lw, ok := h.w.(*lockedWriter)
	require.True(t, ok, "a plain writer is wrapped in the Handler's lock")
	assert.Same(t, &out, lw.w)
}
