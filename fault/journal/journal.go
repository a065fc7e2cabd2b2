package journal

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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

// chunk is chunkLen places of the ring (fewer in the last one). A place
// keeps its entry encoded (see codec.go) in slotWords words of words,
// which hold no pointers: the garbage collector does not look into them,
// however many entries the journal keeps. Each place is 8 cache lines:
//
//	word 0: the entry's sequence number, 0 while the place is empty
//	        (atomic: a reader passes over an entry it does not want
//	        without taking its lock)
//	word 1: how many entries were recorded here but not kept, counted
//	        per place so that writers share no counter
//	word 2: the encoding's length in bytes, or spilled
//	words 3-63: the encoding
//
// An entry whose encoding does not fit (long values, many notes) is kept
// as an Entry in spill instead, made on the first such entry.
//
// A place's time is kept in times, as the time.Time it was: no portable
// encoding gives back both its wall clock and its monotonic reading (an
// offset from one base reading keeps the monotonic one but moves the wall
// clock by the nanoseconds between time.Now's two clock reads; In and UTC
// drop the monotonic one). Its one pointer, the location, is nil (UTC) or
// the process's time.Local, not in the heap: the collector follows
// nothing from a place, and pays a lookup for each time.Local (a full
// journal of 10,000 adds about a tenth of a millisecond to a collection,
// against most of one for the same entries kept as Entry values).
type chunk struct {
	words []uint64
	bytes []byte // words, as bytes
	times []time.Time
	spill atomic.Pointer[[chunkLen]*Entry]
}

// chunkLen is how many places are allocated together (128 KiB).
const chunkLen = 256

// The words of a place.
const (
	slotWords   = 64
	seqWord     = 0
	droppedWord = 1
	lenWord     = 2
	headerBytes = 3 * 8
	inlineMax   = slotWords*8 - headerBytes // the longest encoding a place holds
	spilled     = ^uint64(0)                // lenWord of a place whose entry is in spill
)

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

// cacheLine is the size of a cache line on the machines Go runs on.
const cacheLine = 64

// DefaultSize is how many entries a journal keeps by default.
const DefaultSize = 10000

// New returns a journal that keeps the last size entries, each keeping at
// most valueMax bytes of every request value; zero or less means
// [DefaultSize] and [DefaultValueMax]. Its memory grows with the entries
// it keeps: a large size costs nothing until the requests come (a
// scenario's 100,000-entry journal allocated at once is 54 MB, and 35 of
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
// already (see [Journal] for what is kept). The copy shares nothing with
// e: the caller may reuse e and its maps.
func (j *Journal) Record(e *Entry) {
	i := int(e.Seq % uint64(j.size))
	c, k := j.chunk(i), i%chunkLen
	w, mu := c.words[k*slotWords:(k+1)*slotWords], &j.locks[i%stripes]
	off := k*slotWords*8 + headerBytes
	mu.Lock()
	if w[seqWord] != 0 {
		w[droppedWord]++ // the older of the two goes, whichever came first
	}
	if w[seqWord] <= e.Seq {
		// Encoded in place; one too long for it goes on into a new
		// array (dropped), and the bytes it left behind are never read:
		// lenWord says spilled.
		c.times[k] = e.Time
		if n := len(encodeEntry(c.bytes[off:off:off+inlineMax], e)); n <= inlineMax {
			c.setSpill(k, nil)
			w[lenWord] = uint64(n)
		} else {
			c.setSpill(k, cloneEntry(e))
			w[lenWord] = spilled
		}
		atomic.StoreUint64(&w[seqWord], e.Seq)
	}
	mu.Unlock()
}

// cloneEntry returns a copy of e that shares no map or slice with it.
func cloneEntry(e *Entry) *Entry {
	c := *e
	c.Headers, c.Notes, c.Faults = maps.Clone(e.Headers), maps.Clone(e.Notes), slices.Clone(e.Faults)
	for i := range c.Faults {
		c.Faults[i].Params = maps.Clone(c.Faults[i].Params)
	}
	return &c
}

// setSpill keeps e as place k's entry in spill (nil: none), making spill
// on the first one. Its caller holds place k's lock.
func (c *chunk) setSpill(k int, e *Entry) {
	sp := c.spill.Load()
	if sp == nil {
		if e == nil {
			return
		}
		c.spill.CompareAndSwap(nil, new([chunkLen]*Entry))
		sp = c.spill.Load()
	}
	sp[k] = e
}

// chunk returns the chunk of place i, allocating it on first use.
func (j *Journal) chunk(i int) *chunk {
	p := &j.chunks[i/chunkLen]
	c := p.Load()
	for c == nil {
		p.CompareAndSwap(nil, j.newChunk(i/chunkLen))
		c = p.Load() // ours, another writer's, or nil again after a Reset
	}
	return c
}

// newChunk allocates the places of chunk n.
func (j *Journal) newChunk(n int) *chunk {
	places := min(chunkLen, j.size-n*chunkLen)
	w := make([]uint64, places*slotWords)
	return &chunk{words: w, bytes: unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8), times: make([]time.Time, places)}
}

// Entries returns the kept entries in sequence order.
func (j *Journal) Entries() []Entry { return j.Since(0) }

// Since returns the kept entries with a sequence number above seq, in
// sequence order. Entries are recorded when a request finishes, so a slow
// request may be recorded after a later, faster one; Since sorts them.
// An entry recorded while Since runs is in the result whole or not at
// all; one recorded before it began is in it unless dropped. The strings
// of the entries returned share one block of memory: keeping any of them
// keeps that block.
func (j *Journal) Since(seq uint64) []Entry {
	n := j.expect(seq) // a guess: append grows out if more come
	out := make([]Entry, 0, n)
	encs := make([]byte, 0, n*avgEncoding) // the wanted places' encodings, copied under their locks
	at := make([]encoded, 0, n)            // where each is, decoded once the locks are let go
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
		p := i % chunkLen
		if w := c.words[p*slotWords : (p+1)*slotWords]; atomic.LoadUint64(&w[seqWord]) > seq {
			mu := &j.locks[i%stripes]
			mu.Lock()
			if s := w[seqWord]; s > seq { // a newer one may have come since
				if n := w[lenWord]; n == spilled {
					out = append(out, *cloneEntry(c.spill.Load()[p])) // fresh maps, as a decoded entry has
				} else {
					off := p*slotWords*8 + headerBytes
					at = append(at, encoded{len(out), len(encs), len(encs) + int(n)})
					encs = append(encs, c.bytes[off:off+int(n)]...)
					out = append(out, Entry{Seq: s, Time: c.times[p]})
				}
			}
			mu.Unlock()
		}
		k++
	}
	if len(encs) > 0 {
		d := entryDecoder{s: unsafe.String(&encs[0], len(encs))} // encs is not written again
		for _, a := range at {
			d.decode(&out[a.i], a.off, a.end)
		}
	}
	bySeq := func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) }
	if !slices.IsSortedFunc(out, bySeq) {
		slices.SortFunc(out, bySeq)
	}
	return out
}

// expect guesses how many entries Since(seq) returns, without reading
// the places: no more than the numbers handed out after seq (none when
// seq is past the last), nor than the places allocated (few after a
// Reset).
func (j *Journal) expect(seq uint64) int {
	last := j.seq.Load()
	if last <= seq {
		return 0
	}
	n := 0
	for i := range j.chunks {
		if j.chunks[i].Load() != nil {
			n += min(chunkLen, j.size-i*chunkLen)
		}
	}
	return int(min(uint64(n), last-seq))
}

// avgEncoding is about how many bytes an entry's encoding takes (an
// ordinary request's is 150 to 400).
const avgEncoding = 256

// encoded is where Since copied out[i]'s encoding: encs[off:end].
type encoded struct{ i, off, end int }

// Dropped reports how many entries were recorded but not kept (see
// [Journal]) since the last [Journal.Reset].
func (j *Journal) Dropped() uint64 {
	var n uint64
	for i := range j.chunks {
		if c := j.chunks[i].Load(); c != nil {
			for k := range len(c.words) / slotWords {
				mu := &j.locks[(i*chunkLen+k)%stripes]
				mu.Lock()
				n += c.words[k*slotWords+droppedWord]
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
