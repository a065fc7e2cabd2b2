package journal

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJournalIsBounded(t *testing.T) {
	j := New(3, 0)
	for i := 0; i < 5; i++ {
		j.Record(&Entry{Seq: j.nextSeq()})
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

// TestJournalGrowsWithItsEntries: a large journal costs nothing until its
// entries come (the scenario runner keeps 100,000 per scenario, and runs
// dozens of scenarios at once).
func TestJournalGrowsWithItsEntries(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	j := New(1_000_000, 0)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "a million-entry journal allocated up front")
	for i := range 5 {
		j.Record(&Entry{Seq: uint64(i + 1)})
	}
	assert.Len(t, j.Entries(), 5)
	small := New(3, 0)
	for i := range 5 {
		small.Record(&Entry{Seq: uint64(i + 1)})
	}
	assert.Equal(t, []uint64{3, 4, 5}, seqs(small.Entries()))
	assert.Equal(t, uint64(2), small.Dropped())
	small.Reset()
	small.Record(&Entry{Seq: 9})
	assert.Equal(t, []uint64{9}, seqs(small.Entries()))
}

func seqs(es []Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}
