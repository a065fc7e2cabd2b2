package journal

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Journal keeps the most recent entries in a ring buffer of fixed size, so
// a long-running upstream uses bounded memory: bounded in entries by its
// size, and in bytes because each entry keeps at most a set number of bytes
// of every request value (see [New]). It is safe for concurrent use.
//
// # Which entries it keeps
//
// An entry's place in the ring is its sequence number modulo the size,
// and it stays there until an entry with a higher number for the same
// place is recorded. So, exactly:
//
//   - every recorded entry whose number is within size of the highest
//     number recorded is kept: when every request has finished, the
//     journal holds the last size of them;
//   - an entry is dropped only for one of size, 2*size, ... numbers later
//     (its place's successor), whether that came first or after it;
//   - [Journal.Dropped] counts the entries recorded but not kept since the
//     last [Journal.Reset]: overwritten ones, and ones recorded after
//     their place's successor (a request held while size later ones
//     finished).
//
// Writers do not wait for each other: a place is written under one of
// [stripes] locks, the one its number modulo [stripes] picks, so two
// requests finishing together on two cores take the same lock only when
// their places are a multiple of [stripes] apart. A reader holds a lock
// only while it copies one entry.
type Journal struct {
	locks    [stripes]stripe
	seq      atomic.Uint64 // the last sequence number handed out
	size     int
	valueMax int // bytes of a request value an entry keeps
	// chunks hold the places, chunkLen at a time, each allocated when
	// its first entry comes: a large journal costs nothing up front.
	// Reset lets them go.
	chunks []atomic.Pointer[chunk]
}

// chunk is chunkLen places of the ring (fewer in the last one).
type chunk []slot

// chunkLen is how many places are allocated together (about 80 KiB).
const chunkLen = 256

// stripes is how many locks a journal's places share: enough that two
// cores seldom want the same one, few enough to stay in the cache (a
// lock in each place would cost a cache miss on every record: a full
// journal is megabytes).
const stripes = 64

// stripe is one lock, alone in its cache line.
type stripe struct {
	sync.Mutex
	_ [cacheLine - unsafe.Sizeof(sync.Mutex{})]byte
}

// slot is one place of the ring: the entry with the highest sequence
// number recorded there, padded to whole cache lines so that writers of
// neighbouring places on two cores do not share one.
type slot struct {
	slotFields
	_ [(cacheLine - unsafe.Sizeof(slotFields{})%cacheLine) % cacheLine]byte
}

// slotFields are a slot's contents, written under the place's stripe.
type slotFields struct {
	e Entry // e.Seq is 0 while the place is empty
	// dropped counts the entries recorded here but not kept: counted per
	// place so that writers share no counter.
	dropped uint64
	// seq is e.Seq, for a reader to pass over an entry it does not want
	// without taking its lock.
	seq atomic.Uint64
}

// cacheLine is the size of a cache line on the machines Go runs on.
const cacheLine = 64

// DefaultSize is how many entries a journal keeps by default.
const DefaultSize = 10000

// New returns a journal that keeps the last size entries, each keeping at
// most valueMax bytes of every request value; zero or less means
// [DefaultSize] and [DefaultValueMax]. Its memory grows with the entries
// it keeps: a large size costs nothing until the requests come (a
// scenario's 100,000-entry journal allocated at once is 25 MB, and 35 of
// them at once stall the process long enough for clients' timers to fire
// together).
func New(size, valueMax int) *Journal {
	if size <= 0 {
		size = DefaultSize
	}
	if valueMax <= 0 {
		valueMax = DefaultValueMax
	}
	return &Journal{size: size, valueMax: valueMax, chunks: make([]atomic.Pointer[chunk], (size+chunkLen-1)/chunkLen)}
}

// nextSeq reserves the next sequence number (1-based).
func (j *Journal) nextSeq() uint64 { return j.seq.Add(1) }

// Seq returns the last sequence number handed out. Every request that has
// arrived has one up to it, including those still being served, which
// [Journal.Entries] shows only once they finish: a test waits on Seq for
// a request a fault holds.
func (j *Journal) Seq() uint64 { return j.seq.Load() }

// Record keeps a copy of a finished entry (begun with [Journal.Begin]) in
// its place, overwriting the entry size sequence numbers older; it keeps
// nothing, and counts the entry dropped, when a newer one holds the place
// already (see [Journal] for what is kept).
func (j *Journal) Record(e *Entry) {
	i := int(e.Seq % uint64(j.size))
	s, mu := j.slot(i), &j.locks[i%stripes]
	mu.Lock()
	if s.e.Seq != 0 {
		s.dropped++ // the older of the two goes, whichever came first
	}
	if s.e.Seq <= e.Seq {
		s.e = *e
		s.seq.Store(e.Seq)
	}
	mu.Unlock()
}

// slot returns place i, allocating its chunk on first use.
func (j *Journal) slot(i int) *slot {
	p := &j.chunks[i/chunkLen]
	c := p.Load()
	for c == nil {
		p.CompareAndSwap(nil, j.newChunk(i/chunkLen))
		c = p.Load() // ours, another writer's, or nil again after a Reset
	}
	return &(*c)[i%chunkLen]
}

// newChunk allocates the places of chunk n.
func (j *Journal) newChunk(n int) *chunk {
	c := make(chunk, min(chunkLen, j.size-n*chunkLen))
	return &c
}

// Entries returns the kept entries in sequence order.
func (j *Journal) Entries() []Entry { return j.Since(0) }

// Since returns the kept entries with a sequence number above seq, in
// sequence order. Entries are recorded when a request finishes, so a slow
// request may be recorded after a later, faster one; Since sorts them.
// An entry recorded while Since runs is in the result whole or not at
// all; one recorded before it began is in it unless dropped.
func (j *Journal) Since(seq uint64) []Entry {
	var out []Entry
	// Walk the places from the one after the newest number handed out:
	// in the order of their numbers, but for entries of requests held
	// longer than size others.
	start := int((j.seq.Load() + 1) % uint64(j.size))
	for k := 0; k < j.size; {
		i := (start + k) % j.size
		c := j.chunks[i/chunkLen].Load()
		if c == nil { // nothing recorded there: on to the next chunk
			k += min(chunkLen-i%chunkLen, j.size-i)
			continue
		}
		if s := &(*c)[i%chunkLen]; s.seq.Load() > seq {
			mu := &j.locks[i%stripes]
			mu.Lock()
			if s.e.Seq > seq { // a newer one may have come since
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

// Dropped reports how many entries were recorded but not kept (see
// [Journal]) since the last [Journal.Reset].
func (j *Journal) Dropped() uint64 {
	var n uint64
	for i := range j.chunks {
		if c := j.chunks[i].Load(); c != nil {
			for k := range *c {
				mu := &j.locks[(i*chunkLen+k)%stripes]
				mu.Lock()
				n += (*c)[k].dropped
				mu.Unlock()
			}
		}
	}
	return n
}

// Reset forgets every entry. Sequence numbers keep counting, so a request
// in flight across a reset, or a client polling ?since=N, never sees one
// number twice; a request in flight is kept when it is recorded after the
// reset. An entry recorded while Reset runs may be forgotten or kept.
func (j *Journal) Reset() {
	for i := range j.chunks {
		j.chunks[i].Store(nil)
	}
}
