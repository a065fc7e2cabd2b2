package journal

import (
	"sync"
	"sync/atomic"
)

// Journal keeps the most recent entries in a ring buffer of fixed size, so
// a long-running upstream uses bounded memory: bounded in entries by its
// size, and in bytes because each entry keeps at most a set number of bytes
// of every request value (see [New]). It is safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	buf      []Entry // grows to size, then wraps
	size     int
	next     int // index the next entry is written to
	full     bool
	seq      atomic.Uint64 // the last sequence number handed out
	dropped  uint64
	valueMax int // bytes of a request value an entry keeps
}

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
	return &Journal{size: size, valueMax: valueMax}
}

// nextSeq reserves the next sequence number (1-based).
func (j *Journal) nextSeq() uint64 { return j.seq.Add(1) }

// Seq returns the last sequence number handed out. Every request that has
// arrived has one up to it, including those still being served, which
// [Journal.Entries] shows only once they finish: a test waits on Seq for
// a request a fault holds.
func (j *Journal) Seq() uint64 { return j.seq.Load() }

// Record keeps a copy of a finished entry (begun with [Journal.Begin]),
// overwriting the oldest one when the journal is full.
func (j *Journal) Record(e *Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.full {
		j.buf = append(j.buf, *e)
		j.next = len(j.buf) % j.size
		j.full = j.next == 0
		return
	}
	j.dropped++
	j.buf[j.next] = *e
	j.next = (j.next + 1) % j.size
}

// Entries returns the kept entries in sequence order.
func (j *Journal) Entries() []Entry { return j.Since(0) }

// Since returns the kept entries with a sequence number above seq, in
// sequence order. Entries are recorded when a request finishes, so a slow
// request may be recorded after a later, faster one; Since sorts them.
func (j *Journal) Since(seq uint64) []Entry {
	j.mu.Lock()
	var out []Entry
	n := j.next
	if j.full {
		n = len(j.buf)
	}
	for i := 0; i < n; i++ {
		idx := i
		if j.full {
			idx = (j.next + i) % len(j.buf)
		}
		if j.buf[idx].Seq > seq {
			out = append(out, j.buf[idx])
		}
	}
	j.mu.Unlock()
	sortBySeq(out)
	return out
}

func sortBySeq(es []Entry) {
	for i := 1; i < len(es); i++ {
		for k := i; k > 0 && es[k].Seq < es[k-1].Seq; k-- {
			es[k], es[k-1] = es[k-1], es[k]
		}
	}
}

// Dropped reports how many entries were overwritten by newer ones.
func (j *Journal) Dropped() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// Reset forgets every entry. Sequence numbers keep counting, so a request
// in flight across a reset, or a client polling ?since=N, never sees one
// number twice.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = nil
	j.next, j.full, j.dropped = 0, false, 0
}
