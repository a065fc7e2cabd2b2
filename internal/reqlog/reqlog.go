// Package reqlog writes the fault upstream's request line, the line a busy
// upstream writes most, without a slog.Record: a [Handler] is slog's JSON
// handler (every record goes through it as usual) that can also append a
// request line straight into a buffer, skipping the record, its attribute
// values and their resolution, about half of what faultline's own work per
// request cost under load.
//
// The line is byte for byte what slog's JSON handler writes for the same
// attributes (a test holds them equal); a line with a string that JSON
// would escape, or a time outside years 0-9999, is left to slog:
//
//	h := reqlog.NewJSON(w, &slog.HandlerOptions{Level: slog.LevelInfo})
//	logger := slog.New(h)
//	if !h.WriteRequest(&line) {
//		logger.LogAttrs(ctx, slog.LevelInfo, "request", line.Attrs()...)
//	}
package reqlog

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Msg is the request line's message.
const Msg = "request"

// Line is one request line: the attributes the fault upstream logs per
// request, in its order. Route, Fault and IdempotencyKey are left out when
// empty.
type Line struct {
	Time           time.Time
	Seq            uint64
	Method         string
	Path           string
	Status         int
	End            string
	Duration       time.Duration
	Route          string
	Fault          string
	IdempotencyKey string
}

// AppendAttrs appends the line's attributes to attrs, typed (nothing boxed).
func (l *Line) AppendAttrs(attrs []slog.Attr) []slog.Attr {
	attrs = append(attrs, slog.Uint64("seq", l.Seq), slog.String("method", l.Method), slog.String("path", l.Path),
		slog.Int("status", l.Status), slog.String("end", l.End), slog.Duration("duration", l.Duration))
	if l.Route != "" {
		attrs = append(attrs, slog.String("route", l.Route))
	}
	if l.Fault != "" {
		attrs = append(attrs, slog.String("fault", l.Fault))
	}
	if l.IdempotencyKey != "" {
		attrs = append(attrs, slog.String("idempotency_key", l.IdempotencyKey))
	}
	return attrs
}

// Handler is slog's JSON handler that also writes request lines directly.
type Handler struct {
	slog.Handler
	w    io.Writer // one line per Write, never interleaved
	fast bool      // no ReplaceAttr or source to honour
}

// WholeWriter is a destination whose Write is safe for concurrent use and
// writes each call's bytes whole, never interleaved with another call's,
// as a logbuf.Writer does. NewJSON writes to one without a lock of its
// own: the destination's lock is the only one a line takes.
type WholeWriter interface {
	io.Writer
	WritesWhole()
}

// NewJSON returns a Handler writing JSON lines to w, as
// slog.NewJSONHandler(w, opts) does. Lines written by either path (slog's
// or WriteRequest) never interleave: each is one Write, under a lock of
// the Handler's unless w is a WholeWriter.
func NewJSON(w io.Writer, opts *slog.HandlerOptions) *Handler {
	if _, whole := w.(WholeWriter); !whole {
		w = &lockedWriter{w: w}
	}
	fast := opts == nil || (opts.ReplaceAttr == nil && !opts.AddSource)
	return &Handler{Handler: slog.NewJSONHandler(w, opts), w: w, fast: fast}
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// WriteRequest writes l at level Info if that level is enabled, and
// reports whether it took care of l: false when slog must write it (a
// string JSON would escape, a time it cannot format, options that rewrite
// attributes); the caller then logs l.AppendAttrs through the logger.
func (h *Handler) WriteRequest(l *Line) bool {
	if !h.fast || !plain(l.Method) || !plain(l.Path) || !plain(l.End) || !plain(l.Route) || !plain(l.Fault) || !plain(l.IdempotencyKey) {
		return false
	}
	st := stampOf(l.Time)
	if st == nil {
		return false
	}
	if !h.Enabled(context.Background(), slog.LevelInfo) {
		return true
	}
	bp := bufs.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = st.append(b, l.Time.Nanosecond())
	b = append(b, `","level":"INFO","msg":"`+Msg+`","seq":`...)
	b = strconv.AppendUint(b, l.Seq, 10)
	b = appendString(b, `,"method":"`, l.Method)
	b = appendString(b, `","path":"`, l.Path)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(l.Status), 10)
	b = appendString(b, `,"end":"`, l.End)
	b = append(b, `","duration":`...)
	b = strconv.AppendInt(b, int64(l.Duration), 10)
	if l.Route != "" {
		b = append(appendString(b, `,"route":"`, l.Route), '"')
	}
	if l.Fault != "" {
		b = append(appendString(b, `,"fault":"`, l.Fault), '"')
	}
	if l.IdempotencyKey != "" {
		b = append(appendString(b, `,"idempotency_key":"`, l.IdempotencyKey), '"')
	}
	b = append(b, "}\n"...)
	_, _ = h.w.Write(b) // as slog's handlers do, a failed write drops the line
	if cap(b) <= 4<<10 {
		*bp = b
		bufs.Put(bp)
	}
	return true
}

// stamp is the text of one second of one location in RFC 3339 (what
// slog's JSON handler writes with time.RFC3339Nano), split around the
// fraction: a busy upstream logs hundreds of lines in the same second, and
// formatting the date, the clock and the zone again for each cost about
// as much as the rest of the line.
type stamp struct {
	sec  int64 // Unix seconds
	loc  *time.Location
	date string // "2006-01-02T15:04:05"
	zone string // "Z" or "-07:00"
}

// lastStamp is the second the last line was written in.
var lastStamp atomic.Pointer[stamp]

// stampOf returns t's second, from lastStamp when it is the same second
// in the same location, or nil when slog must write t (a year outside
// 0-9999, which it reports its own way).
func stampOf(t time.Time) *stamp {
	sec, loc := t.Unix(), t.Location()
	if st := lastStamp.Load(); st != nil && st.sec == sec && st.loc == loc {
		return st
	}
	whole := time.Unix(sec, 0).In(loc)
	if y := whole.Year(); y < 0 || y >= 10000 {
		return nil
	}
	text := whole.AppendFormat(nil, time.RFC3339Nano) // no fraction: a whole second
	st := &stamp{sec: sec, loc: loc, date: string(text[:19]), zone: string(text[19:])}
	lastStamp.Store(st)
	return st
}

// append writes the time of nanosecond ns in st's second as
// time.RFC3339Nano does: the fraction without its trailing zeros, none at
// all on a whole second.
func (st *stamp) append(b []byte, ns int) []byte {
	b = append(b, st.date...)
	if ns != 0 {
		b = append(b, '.')
		for div := 100_000_000; ns != 0; div /= 10 {
			b = append(b, byte('0'+ns/div))
			ns %= div
		}
	}
	return append(b, st.zone...)
}

func appendString(b []byte, key, s string) []byte { return append(append(b, key...), s...) }

// plain reports whether JSON writes s as it is: printable ASCII without
// a quote or a backslash.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// lockedWriter makes each line one Write, whichever path wrote it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
