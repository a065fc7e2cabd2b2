package journal

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ringModel is what a journal of size places promises to keep of the
// entries recorded so far: per place (sequence number modulo size), the
// highest number recorded there.
type ringModel struct {
	size     uint64
	kept     map[uint64]uint64 // place -> sequence number
	recorded int
}

func (m *ringModel) record(seq uint64) {
	m.recorded++
	if seq > m.kept[seq%m.size] {
		m.kept[seq%m.size] = seq
	}
}

// since is what Since(seq) must return, in order.
func (m *ringModel) since(seq uint64) []uint64 {
	out := []uint64{}
	for _, s := range m.kept {
		if s > seq {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// TestJournalKeepsWhatItPromises records entries in a seeded random order,
// some never (requests still held), and after every one compares the
// journal with the model: Entries and Since in sequence order, exactly the
// kept ones, Dropped the recorded ones not kept, and every entry within
// size of the newest recorded kept.
func TestJournalKeepsWhatItPromises(t *testing.T) {
	for _, size := range []int{1, 3, 7, 300} { // 300: a full chunk and a part one
		rng := rand.New(rand.NewPCG(uint64(size), 12))
		j := New(size, 0)
		m := &ringModel{size: uint64(size), kept: map[uint64]uint64{}}
		n := 5*size + 20
		order := rng.Perm(n)
		var newest uint64
		recorded := map[uint64]bool{}
		for k, i := range order {
			if rng.IntN(10) == 0 {
				continue // held until the end of the test
			}
			seq := uint64(i + 1)
			j.Record(&Entry{Seq: seq, Path: "/" + strconv.FormatUint(seq, 10)})
			m.record(seq)
			recorded[seq] = true
			newest = max(newest, seq)
			if k%7 != 0 && size > 7 {
				continue // a large journal is checked every few records
			}
			got := seqs(j.Entries())
			require.Equal(t, m.since(0), got, "size %d after %d records", size, k+1)
			from := uint64(rng.IntN(n + 1))
			require.Equal(t, m.since(from), seqs(j.Since(from)), "Since(%d), size %d", from, size)
			require.Equal(t, uint64(m.recorded-len(got)), j.Dropped(), "Dropped is recorded minus kept")
			for s := newest; s > 0 && s+uint64(size) > newest; s-- {
				if recorded[s] && !slices.Contains(got, s) {
					require.Failf(t, "dropped within the window", "seq %d recorded, newest %d, size %d", s, newest, size)
				}
			}
		}
		for _, e := range j.Entries() {
			require.Equal(t, "/"+strconv.FormatUint(e.Seq, 10), e.Path, "an entry is the one recorded under its number")
		}
	}
}

func TestJournalEvictsTheOldest(t *testing.T) {
	j := New(3, 0)
	for range 7 {
		j.Record(&Entry{Seq: j.nextSeq()})
	}
	assert.Equal(t, []uint64{5, 6, 7}, seqs(j.Entries()))
	assert.Equal(t, []uint64{6, 7}, seqs(j.Since(5)))
	assert.Empty(t, j.Since(7))
	assert.Equal(t, uint64(4), j.Dropped())
}

// TestJournalStalledWriter: a request held between Begin and Record is kept
// when it finishes before the request size numbers after it, and dropped
// (and counted) when it finishes after; either way the entries around it
// stay.
func TestJournalStalledWriter(t *testing.T) {
	j := New(4, 0)
	held := Entry{Seq: j.nextSeq()} // 1
	for range 3 {
		j.Record(&Entry{Seq: j.nextSeq()}) // 2, 3, 4
	}
	j.Record(&held)
	assert.Equal(t, []uint64{1, 2, 3, 4}, seqs(j.Entries()), "held 1 finished before 5: kept")
	assert.Zero(t, j.Dropped())

	held = Entry{Seq: j.nextSeq()} // 5
	for range 4 {
		j.Record(&Entry{Seq: j.nextSeq()}) // 6, 7, 8, 9 (9 takes 5's place)
	}
	assert.Equal(t, []uint64{6, 7, 8, 9}, seqs(j.Entries()))
	j.Record(&held)
	assert.Equal(t, []uint64{6, 7, 8, 9}, seqs(j.Entries()), "held 5 finished after 9: not kept")
	assert.Equal(t, uint64(5), j.Dropped(), "1, 2, 3, 4 overwritten, 5 turned away")
	assert.Equal(t, []uint64{8, 9}, seqs(j.Since(7)))
}

// TestJournalResetKeepsRequestsInFlight: Reset forgets what was recorded
// and the count of dropped entries; a request begun before it and recorded
// after it is kept, under its own number.
func TestJournalResetKeepsRequestsInFlight(t *testing.T) {
	j := New(4, 0)
	inFlight := Entry{Seq: j.nextSeq()} // 1
	for range 5 {
		j.Record(&Entry{Seq: j.nextSeq()}) // 2 to 6: 5 takes 1's place, 6 overwrites 2
	}
	require.Equal(t, uint64(1), j.Dropped())
	j.Reset()
	assert.Empty(t, j.Entries())
	assert.Zero(t, j.Dropped())
	j.Record(&inFlight)
	j.Record(&Entry{Seq: j.nextSeq()}) // 7
	assert.Equal(t, []uint64{1, 7}, seqs(j.Entries()), "1 is kept: what took its place was forgotten")
	assert.Zero(t, j.Dropped())
}

// TestJournalWritersDoNotShareALock: a writer waits only for its own
// place; with one place's lock held (a reader copying that entry), entries
// for every other place are recorded.
func TestJournalWritersDoNotShareALock(t *testing.T) {
	j := New(8, 0)
	j.Record(&Entry{Seq: 3})
	mu := &j.locks[3%stripes]
	mu.Lock()
	done := make(chan struct{})
	go func() {
		for seq := uint64(4); seq < 11; seq++ {
			j.Record(&Entry{Seq: seq})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a writer of another place waited for place 3's lock")
	}
	mu.Unlock()
	assert.Equal(t, []uint64{3, 4, 5, 6, 7, 8, 9, 10}, seqs(j.Entries()))
}

// stamped is an entry whose every field says its sequence number, so a
// reader can tell one copied whole from one copied while it was written.
func stamped(seq uint64) Entry {
	s := strconv.FormatUint(seq, 10)
	return Entry{Seq: seq, Path: "/" + s, Query: "q=" + s, Headers: map[string]string{"X-Seq": s},
		Faults: []Applied{{Type: s}}, BodySize: int64(seq), Status: int(seq%500) + 100, Duration: time.Duration(seq)}
}

func checkStamped(t *testing.T, e Entry) {
	want := stamped(e.Seq)
	if e.Path != want.Path || e.Query != want.Query || e.Headers["X-Seq"] != want.Headers["X-Seq"] ||
		e.Faults[0].Type != want.Faults[0].Type || e.BodySize != want.BodySize || e.Status != want.Status || e.Duration != want.Duration {
		t.Errorf("entry %d read torn: %+v", e.Seq, e)
	}
}

// TestJournalConcurrentWritersAndReaders: writers on every core (some
// recording two entries out of order, one holding its first entry to the
// end) and readers at once; run under -race. Every read is in order, of
// whole entries, at most size of them, above its since, and holds what a
// writer recorded before it (or a newer entry for that place). At the end
// the journal keeps exactly the last size numbers.
func TestJournalConcurrentWritersAndReaders(t *testing.T) {
	const size, writers, each = 512, 4, 3000
	j := New(size, 0)
	held := stamped(j.nextSeq())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i += 2 {
				a, b := stamped(j.nextSeq()), stamped(j.nextSeq())
				if i%4 == 0 {
					a, b = b, a
				}
				j.Record(&a)
				j.Record(&b)
				if i%100 == 0 {
					readOwnWrite(t, j, b.Seq, size)
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 12))
			for {
				select {
				case <-stop:
					return
				default:
				}
				since := rng.Uint64N(j.Seq() + 1)
				es := j.Since(since)
				if len(es) > size {
					t.Errorf("read %d entries from a journal of %d", len(es), size)
				}
				for k, e := range es {
					if e.Seq <= since || (k > 0 && e.Seq <= es[k-1].Seq) {
						t.Errorf("Since(%d): entry %d at %d out of order", since, e.Seq, k)
					}
					checkStamped(t, e)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	j.Record(&held) // held since the start: its place was taken long ago
	total := j.Seq()
	var want []uint64
	for s := total - size + 1; s <= total; s++ {
		want = append(want, s)
	}
	assert.Equal(t, want, seqs(j.Entries()))
	assert.Equal(t, total-size, j.Dropped())
}

// readOwnWrite checks that a read after seq was recorded shows it, or an
// entry at least size numbers newer (one that took its place).
func readOwnWrite(t *testing.T, j *Journal, seq uint64, size int) {
	es := j.Since(seq - 1)
	if len(es) == 0 || (es[0].Seq != seq && es[len(es)-1].Seq < seq+uint64(size)) {
		t.Errorf("entry %d recorded, then missing from Since(%d) without a successor: %v", seq, seq-1, seqs(es))
	}
}
