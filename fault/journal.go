package fault

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// Journal keeps the most recent entries in a ring buffer of fixed size, so
// a long-running upstream uses bounded memory: bounded in entries by its
// size, and in bytes because each entry keeps at most a set number of bytes
// of every request value ([WithJournalValueMax]).
type Journal struct {
	mu      sync.Mutex
	buf     []Entry // grows to size, then wraps
	size    int
	next    int // index the next entry is written to
	full    bool
	seq     atomic.Uint64 // the last sequence number handed out
	dropped uint64
}

// DefaultJournalSize is how many entries a journal keeps by default.
const DefaultJournalSize = 10000

// newJournal returns a journal that keeps the last size entries. Its
// memory grows with the entries it keeps: a large size costs nothing until
// the requests come (a scenario's 100,000-entry journal allocated at once
// is 25 MB, and 35 of them at once stall the process long enough for
// clients' timers to fire together).
func newJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{size: size}
}

// nextSeq reserves the next sequence number (1-based).
func (j *Journal) nextSeq() uint64 { return j.seq.Add(1) }

func (j *Journal) add(e *Entry) {
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

// reset forgets every entry. Sequence numbers keep counting, so a request
// in flight across a reset, or a client polling ?since=N, never sees one
// number twice.
func (j *Journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = nil
	j.next, j.full, j.dropped = 0, false, 0
}

// DefaultJournalValueMax is how many bytes of a request value (the path,
// the query, a header) a journal entry keeps by default: a real value fits
// (a traceparent is 55 bytes, a user agent rarely 300), and 10,000 entries
// of 64 KiB headers cannot fill the memory.
const DefaultJournalValueMax = 1024

// cutMarker starts what replaces the end of a value cut to the journal's
// limit: "…[cut N bytes, sha256 XXXXXXXXXXXXXXXX]" gives how much was
// dropped and a digest of the whole value, so two long values that share
// their first bytes still compare unequal.
const cutMarker = "…[cut "

// start fills in the journal entry of a request: what it asked for, with
// secrets masked and every value cut to max bytes.
func (e *Entry) start(seq uint64, now time.Time, r *http.Request, max int) {
	hs := scanHeaders(r.Header, max)
	*e = Entry{Seq: seq, Time: now, Method: clip(r.Method, max), Host: clip(r.Host, max), TLS: r.TLS != nil, Path: clip(pathMemo.mask("", r.URL.Path, maskRequestPath), max),
		Query: clip(maskQuery(r.URL.RawQuery), max), RemoteAddr: r.RemoteAddr,
		IdempotencyKey: clip(hs.idempotencyKey, max), RequestID: clip(hs.requestID, max),
		UserAgent: clip(userAgentMemo.mask("User-Agent", hs.userAgent, maskValue), max), Headers: hs.kept}
}

// entryHeaders are the request headers an entry keeps: three in fields of
// their own, the journal headers (masked, cut) in its Headers map.
type entryHeaders struct {
	idempotencyKey, requestID, userAgent string
	kept                                 map[string]string // nil when none is present
}

// scanHeaders finds the headers an entry keeps. A request has a handful
// of headers: one pass over them costs less than the ten lookups (a hash
// each) a request with many headers gets instead.
func scanHeaders(h http.Header, max int) entryHeaders {
	if len(h) > len(journalHeaders)+3 {
		return lookupHeaders(h, max)
	}
	var hs entryHeaders
	for k, vv := range h {
		if len(vv) == 0 || vv[0] == "" {
			continue
		}
		switch k {
		case "Idempotency-Key":
			hs.idempotencyKey = vv[0]
		case "X-Request-Id":
			hs.requestID = vv[0]
		case "User-Agent":
			hs.userAgent = vv[0]
		default:
			if journalHeader(k) {
				hs.kept = keepHeader(hs.kept, k, vv[0], max)
			}
		}
	}
	return hs
}

// lookupHeaders is scanHeaders for a request with many headers: it looks
// up the few an entry keeps.
func lookupHeaders(h http.Header, max int) entryHeaders {
	hs := entryHeaders{idempotencyKey: header(h, "Idempotency-Key"), requestID: header(h, "X-Request-Id"), userAgent: header(h, "User-Agent")}
	for _, k := range journalHeaders {
		if v := header(h, k); v != "" {
			hs.kept = keepHeader(hs.kept, k, v, max)
		}
	}
	return hs
}

// header is h.Get(key) for a key already in canonical form (no key
// canonicalization on every request).
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// clip cuts s to at most max bytes (at a character boundary) followed by
// the cut marker; a value within max is returned as it is.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	keep := max
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%s%s%d bytes, sha256 %x]", s[:keep], cutMarker, len(s)-keep, sum[:8])
}

// journalHeaders are copied into every entry; secret ones are masked.
var journalHeaders = []string{"Content-Type", "Authorization", "Cookie", "X-Api-Key", "Api-Key", "X-Client-Id", "Traceparent"}

// journalHeader reports whether k (canonical) is one of journalHeaders,
// without a map lookup.
func journalHeader(k string) bool {
	switch k {
	case "Content-Type", "Authorization", "Cookie", "X-Api-Key", "Api-Key", "X-Client-Id", "Traceparent":
		return true
	}
	return false
}

// masked is what a secret value is replaced with in the journal and the
// request log: faultline's one placeholder, as in cassettes.
const masked = secrets.Placeholder

// keepHeader adds journal header k's value to kept, secrets masked (the
// scheme of an Authorization header stays visible, its credential does
// not), cut to max bytes; kept is made on the first one.
func keepHeader(kept map[string]string, k, v string, max int) map[string]string {
	if kept == nil {
		kept = make(map[string]string, 2)
	}
	if m := headerMemos[k]; m != nil {
		kept[k] = clip(m.mask(k, v, maskValue), max)
	} else {
		kept[k] = clip(maskValue(k, v), max)
	}
	return kept
}

// maskValue masks one journal header by faultline's one secret policy:
// an Authorization header keeps its scheme, a credential goes, a known key
// format is masked wherever it is.
func maskValue(name, v string) string { return secrets.MaskHeader(name, v, masked) }

// maskRequestPath masks a request path (name is unused: a path has none).
func maskRequestPath(_, p string) string { return secrets.MaskPath(p, masked) }

// cleanMemo remembers the last value of one entry field that masked to
// itself, so that a client sending the same User-Agent (or path, or
// Content-Type) on every request does not have it scanned for secrets
// every time: the scan reads every byte of the value, the memo compares
// it with one string.
//
// It remembers only a value its mask left unchanged: such a value holds no
// secret (the journal keeps it as it is anyway), so the memo never holds
// one. A value that held a secret is masked again each time it is seen,
// exactly as before. Masking is a pure function of the value (and of the
// field's fixed header name), so the result is the same either way.
// One atomic pointer: concurrent requests read and replace it without a
// lock; a value longer than cleanMemoMax is never remembered, so the memo
// keeps no large value alive.
type cleanMemo struct{ last atomic.Pointer[string] }

// cleanMemoMax is the longest value a cleanMemo remembers.
const cleanMemoMax = 512

// mask returns mask(name, v), skipping the call when v is the value last
// found clean. A memo serves one field, so name is always the same.
func (c *cleanMemo) mask(name, v string, mask func(name, v string) string) string {
	if p := c.last.Load(); p != nil && *p == v {
		return v
	}
	out := mask(name, v)
	if out == v && len(v) <= cleanMemoMax {
		clean := v // a copy, so that only this branch allocates
		c.last.Store(&clean)
	}
	return out
}

var (
	pathMemo, userAgentMemo cleanMemo
	// headerMemos has one memo per journal header whose value repeats
	// from request to request (not Traceparent, new on each); it is
	// never written after init, so lookups need no lock.
	headerMemos = map[string]*cleanMemo{"Content-Type": new(cleanMemo), "X-Client-Id": new(cleanMemo)}
)

// maskQuery masks the values of query parameters whose names are
// credentials (api_key, api%5Fkey, Azure SAS's sig, OAuth's code...), any
// value in a known secret format, and a URL's password inside a value.
func maskQuery(raw string) string { return secrets.MaskQuery(raw, masked) }
