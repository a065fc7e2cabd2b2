package fault

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault/tlsfault"
)

// Plan is a validated fault plan: the routes the upstream serves and the
// faults that fire on them. Build one in Go or load it with [LoadPlan].
type Plan struct {
	Seed     int64
	Routes   []Route
	Webhooks []Webhook
	// TLS makes the upstream serve HTTPS with the certificate it names
	// (a scenario runner or `serve` builds it with [tlsfault.New]); nil: HTTP.
	TLS *tlsfault.Plan
}

// Route is one endpoint: what it matches, what it answers when no fault
// fires, and its fault rules. Every matching rule applies, in order; a rule
// that only delays (latency) passes on to the next, one that answers
// (status, reset) ends the chain.
type Route struct {
	Name    string
	Match   Match
	Respond *Response // nil: pass to the wrapped handler (proxy, cassette)
	Rules   []Rule
}

// Match selects requests. Empty fields match anything.
//
// Path is a pattern of segments: a literal, "*" or "{name}" for any one
// segment, and a final "**" or "{name...}" for the rest of the path.
type Match struct {
	Method  string
	Path    string
	Headers map[string]string // header value must equal; "*" means present
	Query   map[string]string // query value must equal; "*" means present
}

// Response is a stub response.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// Rule applies a fault to the requests its schedule selects.
type Rule struct {
	When  When
	Fault Fault
}

// When is a rule's schedule. All set conditions must hold; the zero When
// matches every request. Positions are 1-based and counted per route, or per
// client key when Per is set.
type When struct {
	First       int           // the first N requests
	From, To    int           // requests From..To inclusive (To 0: no end)
	Every       int           // every Kth request
	Probability float64       // with probability p (0: not drawn, unless a plan gave it)
	After       time.Duration // window start, since the plan started
	For         time.Duration // window length (0: until the end)
	Per         string        // "", "route", "ip", or "header:Name"

	// sampled: a plan file gave a probability, even 0 or 1. Such a rule
	// takes a draw from the request's seeded source on every request
	// (probability: 1 too), so the draws that follow are what the seed
	// made them whatever p is.
	sampled bool
}

// drawn reports whether the rule takes a draw: its plan gave a
// probability, or a Go program set one.
func (w When) drawn() bool { return w.sampled || w.Probability > 0 }

// windowed reports whether the rule has a time window (After or For).
func (w When) windowed() bool { return w.After > 0 || w.For > 0 }

// applies reports whether a request at position n, at elapsed time since
// the plan started, with draw in [0,1), is selected.
func (w When) applies(n int, elapsed time.Duration, draw float64) bool {
	switch {
	case w.First > 0 && n > w.First:
		return false
	case w.From > 0 && n < w.From:
		return false
	case w.To > 0 && n > w.To:
		return false
	case w.Every > 0 && n%w.Every != 0:
		return false
	case w.drawn() && draw >= w.Probability:
		return false
	case w.windowed() && elapsed < w.After:
		return false
	case w.windowed() && w.For > 0 && elapsed >= w.After+w.For:
		return false
	}
	return true
}

// scopeKey returns the key a request is counted under for this schedule.
func (w When) scopeKey(r *http.Request) string {
	switch {
	case w.Per == "ip":
		return "ip:" + clientIP(r)
	case strings.HasPrefix(w.Per, "header:"):
		name := strings.TrimPrefix(w.Per, "header:")
		return w.Per + "=" + r.Header.Get(name)
	}
	return "route"
}

// matches reports whether r is selected by m.
func (m Match) matches(r *http.Request) bool {
	if m.Method != "" && !strings.EqualFold(m.Method, r.Method) {
		return false
	}
	if m.Path != "" && !matchPath(m.Path, r.URL.Path) {
		return false
	}
	for k, v := range m.Headers {
		got, ok := r.Header[http.CanonicalHeaderKey(k)]
		if !ok || (v != "*" && (len(got) == 0 || got[0] != v)) {
			return false
		}
	}
	if len(m.Query) == 0 {
		return true
	}
	q := r.URL.Query()
	for k, v := range m.Query {
		if !q.Has(k) || (v != "*" && q.Get(k) != v) {
			return false
		}
	}
	return true
}

// matchPath matches path against pattern. A path equal to its pattern
// matches at once, as matchSegments would find (every pattern matches
// itself: a literal segment equals itself, and a wildcard segment, never
// empty, matches its own text); a stub route's literal path is asked that
// on every request.
func matchPath(pattern, path string) bool {
	return pattern == path || matchSegments(pattern, path)
}

// matchSegments matches path against pattern segment by segment, without
// splitting either into a slice (it runs for every route on every request).
func matchSegments(pattern, path string) bool {
	pr, xr := strings.Trim(pattern, "/"), strings.Trim(path, "/")
	pMore, xMore := true, true // a segment is left to take
	for pMore {
		var p, x string
		p, pr, pMore = strings.Cut(pr, "/")
		if p == "**" || (strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}")) {
			return true
		}
		if !xMore {
			return false
		}
		x, xr, xMore = strings.Cut(xr, "/")
		if p == "*" || (strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}")) {
			if x == "" {
				return false
			}
			continue
		}
		if p != x {
			return false
		}
	}
	return !xMore
}

// ServeHTTP writes the stub response.
func (s *Response) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	for k, v := range s.Headers {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" && json.Valid(s.Body) && len(s.Body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(s.Body)
}
