package journal

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomEntry is an entry with every field drawn from rng: strings empty,
// short, non-ASCII or long enough that the entry does not fit its place;
// maps and faults nil, empty or full; a time with or without a monotonic
// reading, in UTC, Local or a zone of its own.
func randomEntry(rng *rand.Rand, seq uint64, zones []*time.Location) Entry {
	str := func() string {
		switch rng.IntN(8) {
		case 0:
			return ""
		case 1:
			return "é\x00ü" + strconv.Itoa(rng.IntN(1000))
		case 2:
			return strings.Repeat("x", rng.IntN(300)) // sometimes too long for a place
		}
		return "v" + strconv.FormatUint(rng.Uint64(), 36)
	}
	strMap := func() map[string]string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return map[string]string{}
		}
		m := map[string]string{}
		for range 1 + rng.IntN(4) {
			m[str()] = str()
		}
		return m
	}
	t := time.Now().Add(time.Duration(rng.Int64N(1e15)))
	switch rng.IntN(4) {
	case 0:
		t = t.UTC()
	case 1:
		t = t.Round(0) // no monotonic reading
	case 2:
		t = t.In(zones[rng.IntN(len(zones))])
	}
	e := Entry{Seq: seq, Time: t, Method: str(), Host: str(), TLS: rng.IntN(2) == 0, Path: str(), Query: str(),
		Route: str(), RemoteAddr: str(), IdempotencyKey: str(), RequestID: str(), UserAgent: str(),
		Headers: strMap(), BodySHA256: str(), BodySize: rng.Int64() - rng.Int64(), Notes: strMap(),
		Effect: rng.IntN(2) == 0, Status: int(rng.Int64() - rng.Int64()), BytesSent: rng.Int64N(1 << 40),
		End: str(), Duration: time.Duration(rng.Int64() - rng.Int64())}
	switch rng.IntN(3) {
	case 0:
		e.Faults = []Applied{}
	case 1:
		for range 1 + rng.IntN(3) {
			e.Faults = append(e.Faults, Applied{Type: str(), Params: strMap()})
		}
	}
	return e
}

// TestEntryCodecRoundTrip: what a reader gets back is exactly the entry
// recorded, every field: strings, nil and empty maps and fault slices as
// they were, the time == the one recorded (wall clock, monotonic reading
// and location: Sub between two entries, and Equal to a time without a
// monotonic reading, answer as they did); for entries kept in their place
// and entries spilled (too long for it).
func TestEntryCodecRoundTrip(t *testing.T) {
	zones := []*time.Location{time.Local}
	for i := range 10 {
		zones = append(zones, time.FixedZone("Z"+strconv.Itoa(i), i*1800))
	}
	rng := rand.New(rand.NewPCG(12, 7))
	const size = 600
	j := New(size, 0)
	want := map[uint64]Entry{}
	for seq := uint64(1); seq <= 3*size; seq++ {
		e := randomEntry(rng, seq, zones)
		j.Record(&e)
		want[seq] = randomEntryCopy(e)
		scramble(&e) // the caller may reuse its entry once recorded
	}
	got := j.Entries()
	require.Len(t, got, size)
	inline, spills := 0, 0
	for _, e := range got {
		require.Equal(t, want[e.Seq], e, "entry %d", e.Seq)
		require.True(t, want[e.Seq].Time == e.Time, "entry %d: time %v, recorded %v", e.Seq, e.Time, want[e.Seq].Time)
		c, k := j.chunk(int(e.Seq%size)), int(e.Seq%size)%chunkLen
		if c.words[k*slotWords+lenWord] == spilled {
			spills++
		} else {
			inline++
		}
	}
	assert.Greater(t, inline, size/4, "entries are kept in their places")
	assert.Greater(t, spills, 10, "the test reaches entries that do not fit")
	for _, e := range j.Since(2*size + size/2) {
		require.Equal(t, want[e.Seq], e)
	}
}

// randomEntryCopy is a deep copy of e, as the test remembers it: nil
// stays nil, empty stays empty.
func randomEntryCopy(e Entry) Entry {
	copyMap := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		c := make(map[string]string, len(m))
		for k, v := range m {
			c[k] = v
		}
		return c
	}
	c := e
	c.Headers, c.Notes, c.Faults = copyMap(e.Headers), copyMap(e.Notes), nil
	if e.Faults != nil {
		c.Faults = make([]Applied, len(e.Faults))
		for i, a := range e.Faults {
			c.Faults[i] = Applied{Type: a.Type, Params: copyMap(a.Params)}
		}
	}
	return c
}

// scramble overwrites e's maps and faults in place.
func scramble(e *Entry) {
	for k := range e.Headers {
		e.Headers[k] = "changed"
	}
	for k := range e.Notes {
		delete(e.Notes, k)
	}
	for i := range e.Faults {
		e.Faults[i].Type = "changed"
		for k := range e.Faults[i].Params {
			e.Faults[i].Params[k] = "changed"
		}
	}
}

// TestJournalSpillsUnderConcurrency: writers recording entries that fit
// their place and entries that do not (a long path every third), readers
// at once (run under -race): every entry read is whole, the one recorded
// under its number, whichever way it was kept.
func TestJournalSpillsUnderConcurrency(t *testing.T) {
	const size, writers, each = 128, 2, 1500
	entry := func(seq uint64) Entry {
		e := stamped(seq)
		if seq%3 == 0 {
			e.Path = "/" + strings.Repeat(strconv.FormatUint(seq, 10), inlineMax)
		}
		return e
	}
	j := New(size, 0)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				e := entry(j.nextSeq())
				j.Record(&e)
				scramble(&e)
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, e := range j.Entries() {
				if want := entry(e.Seq); !assert.Equal(t, want, e) {
					return
				}
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	assert.Len(t, j.Entries(), size)
}

// TestAppendStringIsUvarintLengthThenBytes: appendString's one-byte
// shortcut writes what binary.AppendUvarint would, on both sides of the
// one-byte limit.
func TestAppendStringIsUvarintLengthThenBytes(t *testing.T) {
	for n := range 1000 {
		s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		want := append(binary.AppendUvarint([]byte("pre"), uint64(len(s))), s...)
		require.Equal(t, want, appendString([]byte("pre"), s), "length %d", len(s))
	}
}

// TestReadersOfASpilledEntryShareNothingWithTheJournal: an entry too long
// for its place comes back with maps of its own, as a decoded one does, so
// a reader that edits what it was given changes nothing another reader
// sees.
func TestReadersOfASpilledEntryShareNothingWithTheJournal(t *testing.T) {
	j := New(4, 0)
	e := stamped(j.nextSeq())
	e.Path = "/" + strings.Repeat("x", inlineMax)
	e.Headers = map[string]string{"X-Kept": "yes"}
	e.Faults = []Applied{{Type: "status", Params: map[string]string{"code": "503"}}}
	j.Record(&e)
	first := j.Entries()
	require.Len(t, first, 1)
	first[0].Headers["X-Kept"] = "edited"
	first[0].Faults[0].Params["code"] = "200"
	again := j.Entries()
	assert.Equal(t, "yes", again[0].Headers["X-Kept"])
	assert.Equal(t, "503", again[0].Faults[0].Params["code"])
}
