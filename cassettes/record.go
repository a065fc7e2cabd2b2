package cassettes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Mode says what a Recorder does with a cassette that already exists.
type Mode int

const (
	// ModeOnce records only when the cassette does not exist yet; otherwise it
	// replays it and rejects requests it does not hold.
	ModeOnce Mode = iota
	// ModeNewEpisodes replays what the cassette holds and records the rest.
	ModeNewEpisodes
	// ModeAll records every request and replaces the cassette.
	ModeAll
)

var modeNames = map[string]Mode{"once": ModeOnce, "new-episodes": ModeNewEpisodes, "all": ModeAll}

// ParseMode reads "once", "new-episodes" or "all".
func ParseMode(s string) (Mode, error) {
	if m, ok := modeNames[s]; ok {
		return m, nil
	}
	return 0, fmt.Errorf("mode %q: use once, new-episodes or all", s)
}

func (m Mode) String() string {
	for name, v := range modeNames {
		if v == m {
			return name
		}
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// RecordOptions configure a Recorder. The zero value records once with the
// default redaction through http.DefaultTransport.
type RecordOptions struct {
	Mode  Mode
	Match MatchOptions // how existing recordings are found (once, new-episodes)
	// Redactor cleans every interaction before it is kept in memory or
	// written. Nil means the default rules.
	Redactor  *Redactor
	Transport http.RoundTripper
	Logger    *slog.Logger
	Version   string           // faultline version written into the cassette
	Now       func() time.Time // clock for recorded_at; nil means time.Now
}

// Recorder is a recording reverse proxy: it forwards each request to the
// upstream, answers with the real response, and keeps a redacted copy.
// Close writes the cassette atomically. Safe for concurrent use.
type Recorder struct {
	upstream *url.URL
	path     string
	opts     RecordOptions
	red      *Redactor
	log      *slog.Logger
	lock     *fileLock // held from NewRecorder to Close: one recorder per cassette
	existing *Cassette // loaded cassette, nil if none
	replay   *Replayer // answers from existing, nil if recording everything
	readOnly bool      // once-mode with an existing cassette

	mu     sync.Mutex
	added  []*Interaction
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// NewRecorder prepares to record traffic for upstream into the cassette at
// path, and locks it until Close: a second recorder (in this or another
// process) on the same path fails with ErrLocked instead of losing one's
// recordings on save. An existing cassette that is corrupt gives a
// *FormatError.
func NewRecorder(upstream *url.URL, path string, opts RecordOptions) (*Recorder, error) {
	if upstream == nil || (upstream.Scheme != "http" && upstream.Scheme != "https") || upstream.Host == "" {
		return nil, fmt.Errorf("upstream %v: use an absolute http(s) URL such as https://api.example.com", upstream)
	}
	rec := &Recorder{upstream: upstream, path: path, opts: opts, red: orDefault(opts.Redactor), log: opts.Logger}
	if rec.log == nil {
		rec.log = slog.New(slog.DiscardHandler)
	}
	if rec.opts.Transport == nil {
		rec.opts.Transport = http.DefaultTransport
	}
	if rec.opts.Now == nil {
		rec.opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("record %s: %w", path, err)
	}
	l, err := lock(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	rec.lock = l
	if opts.Mode == ModeAll {
		return rec, nil
	}
	c, err := Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return rec, nil
	case err != nil:
		l.unlock()
		return nil, err
	}
	rec.existing = c
	exhausted := Fail
	if opts.Mode == ModeOnce {
		rec.readOnly, exhausted = true, RepeatLast
	}
	rec.replay = NewReplayer(c, ReplayOptions{Match: opts.Match, Exhausted: exhausted, Redactor: opts.Redactor, Logger: opts.Logger})
	return rec, nil
}

// ServeHTTP replays a known request (once, new-episodes) or forwards it to
// the upstream and records the exchange.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		http.Error(w, "faultline record: reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if rec.replay != nil {
		i, miss := rec.replay.find(r, body, rec.readOnly)
		switch {
		case miss == nil:
			rec.replay.serve(w, r, i)
			return
		case rec.readOnly:
			miss.Message += fmt.Sprintf("; %s exists and the mode is once: the mode new-episodes adds to it", rec.path)
			rec.replay.reject(w, r, miss)
			return
		}
	}
	rec.forward(w, r, body)
}

func (rec *Recorder) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	id := requestID(r)
	if rec.isClosed() {
		rec.log.Warn("request after close not forwarded", "request_id", id, "method", r.Method, "path", rec.red.Text(r.URL.Path))
		http.Error(w, "faultline record: recorder is closed", http.StatusServiceUnavailable)
		return
	}
	out := rec.outbound(r, body)
	start := time.Now()
	resp, err := rec.opts.Transport.RoundTrip(out)
	if err != nil {
		err = withoutURL(err)
		rec.log.Error("upstream request failed", "request_id", id, "method", r.Method, "url", rec.red.url(out.URL.String()), "err", err)
		http.Error(w, "faultline record: upstream unreachable: "+err.Error(), http.StatusBadGateway)
		return
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		err = withoutURL(err)
		rec.log.Error("upstream response failed", "request_id", id, "method", r.Method, "url", rec.red.url(out.URL.String()), "err", err)
		http.Error(w, "faultline record: reading upstream response: "+err.Error(), http.StatusBadGateway)
		return
	}
	it := rec.interaction(out, body, resp, respBody, time.Since(start))
	if !rec.keep(rec.red.Interaction(it)) {
		rec.log.Warn("request after close not recorded", "request_id", id, "method", r.Method, "path", rec.red.Text(r.URL.Path))
		http.Error(w, "faultline record: recorder is closed", http.StatusServiceUnavailable)
		return
	}
	rec.log.Debug("recorded", "request_id", id, "method", r.Method, "path", rec.red.Text(r.URL.Path), "status", resp.StatusCode)
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// withoutURL drops the URL a transport error carries: its query may hold a
// secret, and logs get the redacted URL separately.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// outbound builds the request sent upstream. Accept-Encoding is dropped so
// the transport negotiates compression itself and records plain bodies.
func (rec *Recorder) outbound(r *http.Request, body []byte) *http.Request {
	u := *rec.upstream
	u.Path = strings.TrimSuffix(rec.upstream.Path, "/") + r.URL.Path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	out := r.Clone(r.Context())
	out.URL, out.Host, out.RequestURI = &u, u.Host, ""
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	for _, k := range append(hopHeaders, "Accept-Encoding", "Content-Length") {
		out.Header.Del(k)
	}
	return out
}

func (rec *Recorder) interaction(out *http.Request, body []byte, resp *http.Response, respBody []byte, d time.Duration) *Interaction {
	var form url.Values
	if isForm(out.Header.Get("Content-Type")) {
		form, _ = url.ParseQuery(string(body))
	}
	return &Interaction{
		RecordedAt: rec.opts.Now().UTC(),
		Request: Request{Proto: out.Proto, ProtoMajor: out.ProtoMajor, ProtoMinor: out.ProtoMinor,
			ContentLength: int64(len(body)), Host: out.Host, Body: string(body), Form: form,
			Headers: out.Header.Clone(), URL: out.URL.String(), Method: out.Method},
		Response: Response{Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
			TransferEncoding: resp.TransferEncoding, Trailer: resp.Trailer.Clone(), ContentLength: int64(len(respBody)),
			Uncompressed: resp.Uncompressed, Body: string(respBody), Headers: resp.Header.Clone(),
			Status: resp.Status, Code: resp.StatusCode, Duration: d},
	}
}

func (rec *Recorder) isClosed() bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.closed
}

// keep appends a completed interaction unless the recorder is closed.
func (rec *Recorder) keep(it *Interaction) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed {
		return false
	}
	rec.added = append(rec.added, it)
	return true
}

// Close stops recording, writes every completed interaction to the
// cassette atomically and releases the cassette's lock. Call it from a SIGINT/SIGTERM handler after shutting
// the HTTP server down; requests still in flight are not saved. When nothing
// new was recorded an existing cassette is left untouched, and a missing one
// is not created: Close returns an error wrapping ErrEmptyCassette.
// Close may be called again, and concurrently (a signal handler and a
// deferred call): every call waits for the one save and returns its result.
func (rec *Recorder) Close() error {
	rec.closeOnce.Do(func() {
		rec.closeErr = rec.save()
		rec.lock.unlock()
	})
	return rec.closeErr
}

func (rec *Recorder) save() error {
	rec.mu.Lock()
	rec.closed = true
	added := rec.added
	rec.mu.Unlock()

	if len(added) == 0 {
		if rec.existing != nil {
			return nil
		}
		return fmt.Errorf("record %s: %w: no request reached the recorder; point the client at the proxy address", rec.path, ErrEmptyCassette)
	}
	c := &Cassette{Version: FormatVersion, Meta: &Meta{Version: rec.version(), RecordedAt: rec.opts.Now().UTC(), Upstream: withoutUserinfo(rec.upstream)}}
	if rec.existing != nil {
		c.Interactions = append(c.Interactions, rec.existing.Interactions...)
	}
	c.Interactions = append(c.Interactions, added...)
	for i, it := range c.Interactions {
		it.ID = i
	}
	if err := c.save(rec.path); err != nil {
		return err
	}
	rec.log.Info("cassette saved", "path", rec.path, "new", len(added), "total", len(c.Interactions))
	return nil
}

func (rec *Recorder) version() string {
	if rec.opts.Version == "" {
		return "dev"
	}
	return rec.opts.Version
}

// withoutUserinfo is u as it may be written to disk: credentials in the URL
// (user:password@) never reach a cassette.
func withoutUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
