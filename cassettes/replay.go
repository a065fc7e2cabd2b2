package cassettes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Exhausted says what a replayer does when a request has used up every
// recording of it.
type Exhausted int

const (
	// RepeatLast serves the last recording again (the default).
	RepeatLast Exhausted = iota
	// Cycle starts again from the first recording.
	Cycle
	// Fail treats the request as unmatched.
	Fail
)

// Latency scales the recorded response time before each replayed response:
// NoLatency answers at once, RecordedLatency waits as long as the original.
type Latency float64

const (
	NoLatency       Latency = 0
	RecordedLatency Latency = 1
)

// ParseLatency reads "none", "recorded" or a scale such as "0.5" or "2x".
func ParseLatency(s string) (Latency, error) {
	switch s {
	case "", "none":
		return NoLatency, nil
	case "recorded":
		return RecordedLatency, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("latency %q: use none, recorded, or a scale of the recorded time like 0.5 or 2", s)
	}
	return Latency(f), nil
}

// ReplayOptions configure a Replayer. The zero value matches with defaults,
// repeats the last recording, and adds no latency.
type ReplayOptions struct {
	Match     MatchOptions
	Exhausted Exhausted
	Latency   Latency
	// Redactor is applied to incoming requests before matching so that they
	// compare equal to redacted recordings. Nil means the default rules.
	Redactor *Redactor
	// Logger receives one warning per unmatched request. Nil discards.
	Logger *slog.Logger
}

// Mismatch describes a request no recording answered. It is also the JSON
// body of the 502 response the replayer sends for it.
type Mismatch struct {
	Message string      `json:"error"`
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Closest []Candidate `json:"closest"`
}

func (m Mismatch) Error() string { return m.Message }

// Candidate is a recording close to an unmatched request, with what differs.
type Candidate struct {
	Ref
	Differences []string `json:"differences"`
}

// Replayer serves a cassette as an http.Handler. Lookup is a map access per
// request; concurrent requests share no lock; every response is written from
// the recording without handing out shared state. Safe for concurrent use.
type Replayer struct {
	c      *Cassette
	opts   ReplayOptions
	m      *matcher
	log    *slog.Logger
	prefix string

	recs   []*parsed
	routes map[string][]*profile
	seqs   map[[32]byte]*sequence
	played []atomic.Bool

	mu         sync.Mutex
	mismatches []Mismatch
}

type sequence struct {
	ids  []int
	next atomic.Int64
}

// maxKeptMismatches bounds memory when a client loops on a bad request.
const maxKeptMismatches = 1000

// NewReplayer indexes c for replay. The cassette must not be modified while
// the replayer is in use.
func NewReplayer(c *Cassette, opts ReplayOptions) *Replayer {
	rp := &Replayer{c: c, opts: opts, m: newMatcher(opts.Match, opts.Redactor),
		log: opts.Logger, routes: map[string][]*profile{}, seqs: map[[32]byte]*sequence{},
		played: make([]atomic.Bool, len(c.Interactions))}
	if rp.log == nil {
		rp.log = slog.New(slog.DiscardHandler)
	}
	if c.Meta != nil {
		if u, err := url.Parse(c.Meta.Upstream); err == nil {
			rp.prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	seen := map[string]map[string]bool{}
	for i, it := range c.Interactions {
		p := rp.parseRecorded(it)
		rp.recs = append(rp.recs, p)
		prof := rp.m.profileOf(p)
		if seen[p.route()] == nil {
			seen[p.route()] = map[string]bool{}
		}
		if !seen[p.route()][prof.id] {
			seen[p.route()][prof.id] = true
			rp.routes[p.route()] = append(rp.routes[p.route()], prof)
		}
		key := rp.m.digest(p, prof)
		s := rp.seqs[key]
		if s == nil {
			s = &sequence{}
			rp.seqs[key] = s
		}
		s.ids = append(s.ids, i)
	}
	return rp
}

func (rp *Replayer) parseRecorded(it *Interaction) *parsed {
	u, err := url.Parse(it.Request.URL)
	if err != nil {
		u = &url.URL{Path: it.Request.URL}
	}
	return rp.m.parse(it.Request.Method, u, rp.prefix, it.Request.Headers.Get("Content-Type"), []byte(it.Request.Body))
}

// ServeHTTP answers r with its recording, or with 502 and a JSON Mismatch.
func (rp *Replayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		http.Error(w, "faultline replay: reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	it, miss := rp.find(r, body)
	if miss != nil {
		rp.reject(w, miss)
		return
	}
	rp.serve(w, r, it)
}

const maxBody = 64 << 20

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
}

// find returns the recording for r, or why there is none.
func (rp *Replayer) find(r *http.Request, body []byte) (*Interaction, *Mismatch) {
	p := rp.m.parse(r.Method, r.URL, "", r.Header.Get("Content-Type"), body)
	for _, prof := range rp.routes[p.route()] {
		s := rp.seqs[rp.m.digest(p, prof)]
		if s == nil {
			continue
		}
		n := int(s.next.Add(1) - 1)
		switch {
		case n < len(s.ids):
		case rp.opts.Exhausted == Cycle:
			n %= len(s.ids)
		case rp.opts.Exhausted == Fail:
			return nil, rp.exhausted(r, s)
		default:
			n = len(s.ids) - 1
		}
		id := s.ids[n]
		rp.played[id].Store(true)
		return rp.c.Interactions[id], nil
	}
	return nil, rp.mismatch(r, p)
}

func (rp *Replayer) exhausted(r *http.Request, s *sequence) *Mismatch {
	m := &Mismatch{Method: r.Method, URL: rp.m.red.url(r.URL.String()),
		Message: fmt.Sprintf("faultline replay: all %d recordings of %s %s were already played; replay with repeat-last or cycle, or record more", len(s.ids), r.Method, r.URL.Path)}
	for _, id := range s.ids {
		m.Closest = append(m.Closest, Candidate{Ref: rp.c.Interactions[id].ref(), Differences: []string{"already played"}})
	}
	return m
}

// mismatch explains an unmatched request with the closest recordings. It
// runs only on the slow path: a cheap score over all recordings, then full
// differences for the best few.
func (rp *Replayer) mismatch(r *http.Request, p *parsed) *Mismatch {
	const shortlist, shown = 16, 3
	scores := make([]int, len(rp.recs))
	ids := make([]int, len(rp.recs))
	for i, rec := range rp.recs {
		scores[i], ids[i] = score(p, rec), i
	}
	sortCandidates(ids, scores)
	if len(ids) > shortlist {
		ids = ids[:shortlist]
	}
	cands := make([]Candidate, 0, len(ids))
	for _, id := range ids {
		cands = append(cands, Candidate{Ref: rp.c.Interactions[id].ref(), Differences: rp.m.differences(p, rp.recs[id])})
	}
	sortByDiffs(cands)
	if len(cands) > shown {
		cands = cands[:shown]
	}
	return &Mismatch{Method: r.Method, URL: rp.m.red.url(r.URL.String()), Closest: cands,
		Message: fmt.Sprintf("faultline replay: no recorded interaction matches %s %s; see closest for what differs, or record it again", r.Method, r.URL.Path)}
}

func sortByDiffs(c []Candidate) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && len(c[j].Differences) < len(c[j-1].Differences); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

func (rp *Replayer) reject(w http.ResponseWriter, m *Mismatch) {
	rp.mu.Lock()
	if len(rp.mismatches) < maxKeptMismatches {
		rp.mismatches = append(rp.mismatches, *m)
	}
	rp.mu.Unlock()
	closest := make([]int, 0, len(m.Closest))
	for _, c := range m.Closest {
		closest = append(closest, c.ID)
	}
	rp.log.Warn("unmatched request", "method", m.Method, "url", m.URL, "closest", closest)
	writeMismatch(w, m)
}

func writeMismatch(w http.ResponseWriter, m *Mismatch) {
	b, _ := json.MarshalIndent(m, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Faultline-Error", "no-match")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write(append(b, '\n'))
}

// hopHeaders are connection-level headers never replayed or proxied.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (rp *Replayer) serve(w http.ResponseWriter, r *http.Request, it *Interaction) {
	if d := time.Duration(float64(it.Response.Duration) * float64(rp.opts.Latency)); d > 0 {
		if err := sleep(r.Context(), d); err != nil {
			return
		}
	}
	writeResponse(w, r, it)
}

// writeResponse copies the recorded response into w; header slices are
// copied, never shared between requests.
func writeResponse(w http.ResponseWriter, r *http.Request, it *Interaction) {
	h := w.Header()
	for k, vs := range it.Response.Headers {
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Set("X-Faultline-Interaction", strconv.Itoa(it.ID))
	if r.Method == http.MethodHead {
		w.WriteHeader(it.Response.Code)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(it.Response.Body)))
	w.WriteHeader(it.Response.Code)
	_, _ = io.WriteString(w, it.Response.Body)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Mismatches returns the requests no recording answered, oldest first (at
// most the first 1000). A strict run fails when it is not empty.
func (rp *Replayer) Mismatches() []Mismatch {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]Mismatch(nil), rp.mismatches...)
}

// Unplayed lists the recordings no request has used, in cassette order.
func (rp *Replayer) Unplayed() []Ref {
	var out []Ref
	for i := range rp.played {
		if !rp.played[i].Load() {
			out = append(out, rp.c.Interactions[i].ref())
		}
	}
	return out
}
