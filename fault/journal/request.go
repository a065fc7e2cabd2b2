package journal

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/faultline-dev/faultline/internal/secrets"
)

// DefaultValueMax is how many bytes of a request value (the path,
// the query, a header) a journal entry keeps by default: a real value fits
// (a traceparent is 55 bytes, a user agent rarely 300), and 10,000 entries
// of 64 KiB headers cannot fill the memory.
const DefaultValueMax = 1024

// cutMarker starts what replaces the end of a value cut to the journal's
// limit: "…[cut N bytes, sha256 XXXXXXXXXXXXXXXX]" gives how much was
// dropped and a digest of the whole value, so two long values that share
// their first bytes still compare unequal.
const cutMarker = "…[cut "

// Begin fills in e for a request r arriving at now: the next sequence
// number, and what r asks for (method, host, path, query, the headers an
// entry keeps), with secrets masked and every value cut to the journal's
// limit. The caller fills in the rest as it serves r, then calls
// [Journal.Record]. Begin reads no body: BodySHA256 and BodySize are the
// caller's to set.
func (j *Journal) Begin(e *Entry, r *http.Request, now time.Time) {
	e.start(j.nextSeq(), now, r, j.valueMax)
}

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

// maskQuery masks the values of query parameters whose names are
// credentials (api_key, api%5Fkey, Azure SAS's sig, OAuth's code...), any
// value in a known secret format, and a URL's password inside a value.
func maskQuery(raw string) string { return secrets.MaskQuery(raw, masked) }
