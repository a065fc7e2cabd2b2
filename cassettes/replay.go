package cassettes

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/internal/ctxtime"
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
	// Redactor's rules decide which incoming values are left out of matching,
	// as they were left out of the recording. Nil means the default rules.
	Redactor *Redactor
	// Logger receives one warning per unmatched request. Nil discards.
	Logger *slog.Logger
}

// Mismatch describes a request no recording answered. It is also the JSON
// body of the 502 response the replayer sends for it.
type Mismatch struct {
	Message   string      `json:"error"`
	RequestID string      `json:"request_id"` // also in the log line
	Method    string      `json:"method"`
	URL       string      `json:"url"`
	Closest   []Candidate `json:"closest"`
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

	recs     []*parsed              // method and path of each recording; bodies are parsed again only to explain a mismatch
	routes   map[string][]*profile  // "METHOD /path" -> profiles seen there
	seqs     map[[32]byte]*sequence // canonical key -> recordings
	seqOf    []*sequence            // interaction index -> its sequence
	exact    map[uint64]exactEntry  // fast path, see exactEntry
	played   []atomic.Bool          // set by the fast path, which skips the sequence; small, so it stays in cache
	seed     maphash.Seed           // of exact keys
	bodySeed maphash.Seed           // of body fingerprints
	prep     []prepared

	mu         sync.Mutex
	mismatches []Mismatch
}

// sequence is the recordings one request gets, in order, and how many
// times it was asked for.
type sequence struct {
	next  atomic.Int64
	first int // ids[0], read without touching ids: most requests have one recording
	ids   []int
}

// exactEntry is the fast path: a request byte for byte like a recording
// needs no parsing and leads to the same sequence as its canonical key.
// The body is fingerprinted by a seeded 64-bit hash (hash/maphash: one
// pass at memory speed, and with a seed drawn per replayer a client cannot
// aim a body at another recording's fingerprint, as it could with a CRC);
// the key hashes method, path, raw query, fingerprint and length under a
// second seed, and the entry checks the fingerprint again. A wrong match
// needs a 64-bit collision (the canonical index trusts SHA-256 the same
// way). A nil seq marks a key two different requests share; they take the
// canonical path.
type exactEntry struct {
	check  uint64
	seq    *sequence
	first  int32 // seq.first, so a request with one recording reads nothing more
	single bool  // seq has one recording
}

// maxKeptMismatches bounds memory when a client loops on a bad request.
const maxKeptMismatches = 1000

// NewReplayer indexes c for replay. The cassette must not be modified while
// the replayer is in use.
func NewReplayer(c *Cassette, opts ReplayOptions) *Replayer {
	rp := &Replayer{c: c, opts: opts, m: newMatcher(opts.Match, opts.Redactor),
		log: opts.Logger, routes: map[string][]*profile{}, seqs: map[[32]byte]*sequence{},
		exact: map[uint64]exactEntry{}, seed: maphash.MakeSeed(), bodySeed: maphash.MakeSeed()}
	if rp.log == nil {
		rp.log = slog.New(slog.DiscardHandler)
	}
	if c.Meta != nil {
		if u, err := url.Parse(c.Meta.Upstream); err == nil {
			rp.prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	seen := map[string]bool{}
	for _, it := range c.Interactions {
		p := rp.parseRecorded(it)
		rp.recs = append(rp.recs, &parsed{method: p.method, path: p.path})
		prof := rp.m.profileOf(p)
		if route := p.route(); !seen[route+"\x00"+prof.id] {
			seen[route+"\x00"+prof.id] = true
			rp.routes[route] = append(rp.routes[route], prof)
		}
		key := rp.m.digest(p, prof)
		s := rp.seqs[key]
		if s == nil {
			s = &sequence{}
			rp.seqs[key] = s
		}
		if len(s.ids) == 0 {
			s.first = len(rp.seqOf)
		}
		s.ids = append(s.ids, len(rp.seqOf))
		rp.seqOf = append(rp.seqOf, s)
	}
	rp.played = make([]atomic.Bool, len(rp.seqOf))
	rp.prepareAll()
	rp.indexExact()
	return rp
}

// indexExact adds the fast path, only on routes with one profile, where a
// request has exactly one canonical key and both paths must agree.
func (rp *Replayer) indexExact() {
	for i, it := range rp.c.Interactions {
		p := rp.recs[i]
		if len(rp.routes[p.route()]) != 1 {
			continue
		}
		u, err := url.Parse(it.Request.URL)
		if err != nil {
			continue
		}
		key, check := rp.exactSums(p.method, p.path, u.RawQuery, []byte(it.Request.Body))
		s := rp.seqOf[i]
		e := exactEntry{check: check, seq: s, first: int32(s.first), single: len(s.ids) == 1}
		if old, ok := rp.exact[key]; ok && old != e {
			e = exactEntry{}
		}
		rp.exact[key] = e
	}
}

func (rp *Replayer) exactSums(method, path, query string, body []byte) (key, check uint64) {
	check = maphash.Bytes(rp.bodySeed, body)
	var tail [16]byte
	binary.LittleEndian.PutUint64(tail[:8], check)
	binary.LittleEndian.PutUint64(tail[8:], uint64(len(body)))
	var h maphash.Hash
	h.SetSeed(rp.seed)
	h.WriteString(method)
	h.WriteByte(0)
	h.WriteString(path)
	h.WriteByte(0)
	h.WriteString(query)
	h.WriteByte(0)
	h.Write(tail[:])
	return h.Sum64(), check
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
	buf := bodyPool.Get().(*[]byte)
	body, err := readBodyInto(w, r, (*buf)[:0])
	if err != nil {
		bodyPool.Put(buf)
		http.Error(w, "faultline replay: reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	i, miss := rp.find(r, body, true) // keeps no reference to body
	if cap(body) <= maxPooled {
		*buf = body
		bodyPool.Put(buf)
	}
	if miss != nil {
		rp.reject(w, r, miss)
		return
	}
	rp.serve(w, r, i)
}

// Lookup finds the recording that answers r, whose body the caller has
// read into body, and takes it from its sequence exactly as ServeHTTP
// would; it is ServeHTTP without the response, for callers that answer
// in their own way. The recording returned belongs to the cassette: read
// it, do not change it. A request nothing answers returns a *Mismatch
// naming the closest recordings, and counts in Mismatches. As for
// ServeHTTP, r's path is relative to the upstream the cassette names in
// its metadata: for a cassette recorded from https://api.test/v2, ask for
// /charges, not /v2/charges.
func (rp *Replayer) Lookup(r *http.Request, body []byte) (*Interaction, error) {
	i, miss := rp.find(r, body, true)
	if miss != nil {
		rp.note(r, miss)
		return nil, miss
	}
	return rp.c.Interactions[i], nil
}

const (
	maxBody   = 64 << 20 // larger request bodies are refused
	maxPooled = 64 << 10 // larger read buffers are not kept for reuse
)

// bodyPool recycles request-body buffers between requests.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return readBodyInto(w, r, nil)
}

// readBodyInto reads the request body into buf's storage when it fits.
func readBodyInto(w http.ResponseWriter, r *http.Request, buf []byte) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return buf[:0], nil
	}
	if n := r.ContentLength; n > 0 && n <= maxBody {
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var out bytes.Buffer
	out.Grow(cap(buf))
	_, err := out.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody))
	return out.Bytes(), err
}

// find returns the index of the recording for r, or why there is none;
// without explain, the why is not worked out (the recorder forwards instead).
func (rp *Replayer) find(r *http.Request, body []byte, explain bool) (int, *Mismatch) {
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	key, check := rp.exactSums(r.Method, path, r.URL.RawQuery, body)
	if e, ok := rp.exact[key]; ok && e.seq != nil && e.check == check {
		if e.single && rp.opts.Exhausted != Fail {
			rp.markPlayed(int(e.first))
			return int(e.first), nil
		}
		return rp.next(r, e.seq)
	}
	p := rp.m.parse(r.Method, r.URL, "", r.Header.Get("Content-Type"), body)
	for _, prof := range rp.routes[p.route()] {
		if s := rp.seqs[rp.m.digest(p, prof)]; s != nil {
			return rp.next(r, s)
		}
	}
	if !explain {
		return -1, &Mismatch{Message: "no match"}
	}
	return -1, rp.mismatch(r, p)
}

// markPlayed records that recording i was served, for Unplayed, writing
// only the first time so that cores serving it do not contend.
func (rp *Replayer) markPlayed(i int) {
	if p := &rp.played[i]; !p.Load() {
		p.Store(true)
	}
}

// next takes the next recording of a sequence.
func (rp *Replayer) next(r *http.Request, s *sequence) (int, *Mismatch) {
	n := int(s.next.Add(1) - 1)
	if n == 0 || (len(s.ids) == 1 && rp.opts.Exhausted != Fail) {
		return s.first, nil
	}
	switch {
	case n < len(s.ids):
	case rp.opts.Exhausted == Cycle:
		n %= len(s.ids)
	case rp.opts.Exhausted == Fail:
		return -1, rp.exhausted(r, s)
	default:
		n = len(s.ids) - 1
	}
	return s.ids[n], nil
}

func (rp *Replayer) exhausted(r *http.Request, s *sequence) *Mismatch {
	m := &Mismatch{Method: r.Method, URL: rp.m.red.url(r.URL.String()),
		Message: fmt.Sprintf("faultline replay: all %d recordings of %s %s were already played; replay with repeat-last or cycle, or record more", len(s.ids), r.Method, rp.m.red.Text(r.URL.Path))}
	for _, id := range s.ids[max(0, len(s.ids)-3):] {
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
		rec := rp.parseRecorded(rp.c.Interactions[id])
		cands = append(cands, Candidate{Ref: rp.c.Interactions[id].ref(), Differences: rp.m.differences(p, rec)})
	}
	sortByDiffs(cands)
	if len(cands) > shown {
		cands = cands[:shown]
	}
	return &Mismatch{Method: r.Method, URL: rp.m.red.url(r.URL.String()), Closest: cands,
		Message: fmt.Sprintf("faultline replay: no recorded interaction matches %s %s; see closest for what differs, or record it again", r.Method, rp.m.red.Text(r.URL.Path))}
}

func sortByDiffs(c []Candidate) {
	slices.SortStableFunc(c, func(a, b Candidate) int { return len(a.Differences) - len(b.Differences) })
}

// requestID names a request in logs: the client's X-Request-Id, else a
// process-wide sequence number.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" {
		return short(id)
	}
	return "fl-" + strconv.FormatInt(requestSeq.Add(1), 10)
}

var requestSeq atomic.Int64

func (rp *Replayer) reject(w http.ResponseWriter, r *http.Request, m *Mismatch) {
	rp.note(r, m)
	writeMismatch(w, m)
}

// note keeps and logs an unmatched request.
func (rp *Replayer) note(r *http.Request, m *Mismatch) {
	m.RequestID = requestID(r)
	rp.mu.Lock()
	if len(rp.mismatches) < maxKeptMismatches {
		rp.mismatches = append(rp.mismatches, *m)
	}
	rp.mu.Unlock()
	closest := make([]int, 0, len(m.Closest))
	for _, c := range m.Closest {
		closest = append(closest, c.ID)
	}
	rp.log.Warn("unmatched request", "request_id", m.RequestID, "method", m.Method, "url", m.URL, "closest", closest)
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

func (rp *Replayer) serve(w http.ResponseWriter, r *http.Request, i int) {
	if d := time.Duration(float64(rp.prep[i].duration) * float64(rp.opts.Latency)); d > 0 {
		if err := ctxtime.Sleep(r.Context(), d); err != nil {
			return
		}
	}
	rp.write(w, r, i)
}

// prepared is a recorded response ready to write: headers filtered and
// lengths formatted once, header pairs for all recordings in one slice so a
// response costs few cache misses.
type prepared struct {
	code     int
	body     string
	duration time.Duration
	hdr      []string // key, value, key, value...; keys grouped; ends with the id and Content-Length
	recorded string   // recorded Content-Length, for HEAD
}

// prepareAll fills rp.prep for every interaction. A response must touch
// few places in memory: a cassette's strings lie wherever its decoder left
// them, so header values are copied into one string, recording after
// recording, and header names are shared. The pairs of a recording are
// neighbours in one slice.
func (rp *Replayer) prepareAll() {
	var all []string
	var arena strings.Builder
	names := map[string]string{}
	bounds := make([][2]int, 0, len(rp.c.Interactions))
	for _, it := range rp.c.Interactions {
		start := len(all)
		var recorded string
		all, recorded = appendHeaderPairs(all, it, names)
		for j := start + 1; j < len(all); j += 2 {
			arena.WriteString(all[j])
		}
		bounds = append(bounds, [2]int{start, len(all)})
		rp.prep = append(rp.prep, prepared{code: it.Response.Code, body: it.Response.Body,
			duration: it.Response.Duration, recorded: recorded})
	}
	values, at := arena.String(), 0
	for j := 1; j < len(all); j += 2 {
		all[j], at = values[at:at+len(all[j])], at+len(all[j])
	}
	for i, b := range bounds {
		rp.prep[i].hdr = all[b[0]:b[1]:b[1]]
	}
}

func appendHeaderPairs(all []string, it *Interaction, names map[string]string) ([]string, string) {
	skip := map[string]bool{"Content-Length": true, "X-Faultline-Interaction": true}
	for _, k := range hopHeaders {
		skip[k] = true
	}
	if it.Response.Uncompressed {
		// go-vcr kept the body its transport had already decoded: an
		// encoding header left in the recording no longer describes it.
		skip["Content-Encoding"] = true
	}
	var recorded string
	for _, k := range sortedKeys(it.Response.Headers) {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Content-Length" && len(it.Response.Headers[k]) > 0 {
			recorded = it.Response.Headers[k][0]
		}
		if skip[ck] {
			continue
		}
		if shared, ok := names[ck]; ok {
			ck = shared
		} else {
			names[ck] = ck
		}
		for _, v := range it.Response.Headers[k] {
			all = append(all, ck, v)
		}
	}
	all = append(all, "X-Faultline-Interaction", strconv.Itoa(it.ID),
		"Content-Length", strconv.Itoa(len(it.Response.Body)))
	return all, recorded
}

// write sends recording i. Header values are copied into one fresh slice
// per response, so no two responses share state.
func (rp *Replayer) write(w http.ResponseWriter, r *http.Request, i int) {
	p := &rp.prep[i]
	h := w.Header()
	n := len(p.hdr) / 2
	if r.Method == http.MethodHead && p.recorded == "" {
		n-- // no Content-Length: the recording had none
	}
	backing := make([]string, n)
	for j := 0; j < n; {
		k, start := p.hdr[2*j], j
		for ; j < n && p.hdr[2*j] == k; j++ {
			backing[j] = p.hdr[2*j+1]
		}
		h[k] = backing[start:j:j]
	}
	if r.Method == http.MethodHead {
		if p.recorded != "" {
			backing[n-1] = p.recorded
		}
		w.WriteHeader(p.code)
		return
	}
	w.WriteHeader(p.code)
	_, _ = io.WriteString(w, p.body)
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
	var ids []int
	for _, s := range rp.seqs {
		taken := min(int(s.next.Load()), len(s.ids))
		if taken == 0 && rp.played[s.first].Load() {
			taken = 1 // served by the fast path
		}
		ids = append(ids, s.ids[taken:]...)
	}
	slices.Sort(ids)
	out := make([]Ref, 0, len(ids))
	for _, id := range ids {
		out = append(out, rp.c.Interactions[id].ref())
	}
	return out
}
