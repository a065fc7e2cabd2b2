package journal

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A poll since a number beyond the last handed out (GET /journal?since=N
// with N from another server's journal, or a typo) gets nothing, and
// costs nothing: Since sizes its result by the numbers handed out after
// since, which are none, not by the places a full journal holds (some
// 6 MB a call at 10,000 entries).
func TestSinceBeyondTheLastNumberAllocatesNothingMuch(t *testing.T) {
	j := New(DefaultSize, 0)
	for range DefaultSize {
		e := Entry{Seq: j.nextSeq(), Method: "GET", Path: "/v1/orders"}
		j.Record(&e)
	}
	for _, since := range []uint64{j.Seq(), j.Seq() + 1, 1 << 62} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got := j.Since(since)
		runtime.ReadMemStats(&after)
		assert.Empty(t, got, "since %d", since)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "since %d: bytes allocated for an empty answer", since)
	}
	assert.Len(t, j.Since(j.Seq()-3), 3, "a poll for the last three still gets them")
}
