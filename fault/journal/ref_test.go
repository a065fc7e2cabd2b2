package journal

import (
	"cmp"
	"slices"
	"sync/atomic"
	"unsafe"
)

// refJournal is the journal as it was before its places held encodings
// (8cc982b): each place an Entry, with its strings, maps and faults, for
// the garbage collector to follow. It is kept here only to be measured
// against: BenchmarkGCFullJournal, BenchmarkRecord, BenchmarkSince and
// TestJournalHoldsAlmostNoPointers. Dropped and Reset are left out.
type refJournal struct {
	locks  [stripes]stripe
	seq    atomic.Uint64
	size   int
	chunks []atomic.Pointer[refChunk]
}

type refChunk []refSlot

type refSlot struct {
	refSlotFields
	_ [(cacheLine - unsafe.Sizeof(refSlotFields{})%cacheLine) % cacheLine]byte
}

type refSlotFields struct {
	e       Entry
	dropped uint64
	seq     atomic.Uint64
}

func newRef(size int) *refJournal {
	return &refJournal{size: size, chunks: make([]atomic.Pointer[refChunk], (size+chunkLen-1)/chunkLen)}
}

func (j *refJournal) nextSeq() uint64 { return j.seq.Add(1) }

func (j *refJournal) Record(e *Entry) {
	i := int(e.Seq % uint64(j.size))
	s, mu := j.slot(i), &j.locks[i%stripes]
	mu.Lock()
	if s.e.Seq != 0 {
		s.dropped++
	}
	if s.e.Seq <= e.Seq {
		s.e = *e
		s.seq.Store(e.Seq)
	}
	mu.Unlock()
}

func (j *refJournal) slot(i int) *refSlot {
	p := &j.chunks[i/chunkLen]
	c := p.Load()
	for c == nil {
		n := make(refChunk, min(chunkLen, j.size-i/chunkLen*chunkLen))
		p.CompareAndSwap(nil, &n)
		c = p.Load()
	}
	return &(*c)[i%chunkLen]
}

func (j *refJournal) Since(seq uint64) []Entry {
	var out []Entry
	start := int((j.seq.Load() + 1) % uint64(j.size))
	for k := 0; k < j.size; {
		i := (start + k) % j.size
		c := j.chunks[i/chunkLen].Load()
		if c == nil {
			k += min(chunkLen-i%chunkLen, j.size-i)
			continue
		}
		if s := &(*c)[i%chunkLen]; s.seq.Load() > seq {
			mu := &j.locks[i%stripes]
			mu.Lock()
			if s.e.Seq > seq {
				out = append(out, s.e)
			}
			mu.Unlock()
		}
		k++
	}
	bySeq := func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) }
	if !slices.IsSortedFunc(out, bySeq) {
		slices.SortFunc(out, bySeq)
	}
	return out
}
