package fault

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// Entry is what the upstream saw of one request and what it did about it.
type Entry struct {
	Seq            uint64            `json:"seq"`
	Time           time.Time         `json:"time"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Query          string            `json:"query,omitempty"`
	Route          string            `json:"route,omitempty"`
	RemoteAddr     string            `json:"remote_addr"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	RequestID      string            `json:"request_id,omitempty"`
	UserAgent      string            `json:"user_agent,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"`
	BodySHA256     string            `json:"body_sha256,omitempty"`
	BodySize       int64             `json:"body_size"`
	Faults         []Applied         `json:"faults,omitempty"`
	// Effect is true when the route's own response was produced: the
	// upstream processed the request, whatever the client then received.
	Effect    bool          `json:"effect"`
	Status    int           `json:"status"`
	BytesSent int64         `json:"bytes_sent"`
	End       string        `json:"end"`
	Duration  time.Duration `json:"duration_ns"`
}

// Applied is one fault applied to a request, with its parameters as drawn.
type Applied struct {
	Type   string            `json:"type"`
	Params map[string]string `json:"params,omitempty"`
}

// FaultNames lists the types of the faults applied, joined by "+".
func (e *Entry) FaultNames() string {
	names := make([]string, len(e.Faults))
	for i, a := range e.Faults {
		names[i] = a.Type
	}
	return strings.Join(names, "+")
}

// Journal keeps the most recent entries in a ring buffer of fixed size, so
// a long-running upstream uses bounded memory.
type Journal struct {
	mu      sync.Mutex
	buf     []Entry
	next    int // index the next entry is written to
	full    bool
	seq     uint64
	dropped uint64
}

// DefaultJournalSize is how many entries a journal keeps by default.
const DefaultJournalSize = 10000

// NewJournal returns a journal that keeps the last size entries.
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{buf: make([]Entry, size)}
}

// nextSeq reserves the next sequence number (1-based).
func (j *Journal) nextSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

func (j *Journal) add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.full {
		j.dropped++
	}
	j.buf[j.next] = e
	j.next = (j.next + 1) % len(j.buf)
	if j.next == 0 {
		j.full = true
	}
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
	clear(j.buf)
	j.next, j.full, j.dropped = 0, false, 0
}

// WriteJSONL writes entries as JSON lines.
func WriteJSONL(w io.Writer, entries []Entry) error {
	enc := json.NewEncoder(w)
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// journalHeaders are copied into every entry; secret ones are masked.
var journalHeaders = []string{"Content-Type", "Authorization", "Cookie", "X-Api-Key", "Api-Key", "X-Client-Id", "Traceparent"}

// Masked is what a secret value is replaced with in the journal.
const Masked = "***"

// maskedHeaders keeps the headers worth seeing with secrets masked: the
// scheme of an Authorization header stays visible, its credential does not.
func maskedHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range journalHeaders {
		v := h.Get(k)
		if v == "" {
			continue
		}
		out[k] = maskValue(k, v)
	}
	return out
}

func maskValue(name, v string) string {
	switch strings.ToLower(name) {
	case "content-type", "x-client-id", "traceparent":
		return v
	case "authorization":
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + Masked
		}
	}
	return Masked
}

// maskQuery masks the values of query parameters whose names look secret,
// and any value in a known secret format (sk_live_..., a JWT).
func maskQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case ok && secrets.Name(k):
			parts[i] = k + "=" + Masked
		case ok:
			parts[i] = k + "=" + secrets.Mask(v, Masked)
		}
	}
	return strings.Join(parts, "&")
}
