package fault

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
)

func init() { register("rate_limit", decodeRateLimit) }

// rateLimitFault is a real fixed-window limiter: each client key may make Limit
// requests per Window; past that it answers 429 with Retry-After until the
// window passes. Use it as a pointer: it keeps per-key windows.
type rateLimitFault struct {
	Limit  int
	Window time.Duration
	// Key names who is limited: "ip", "header:X-Api-Key", or "" for everyone.
	Key string
	// RetryAfter is how Retry-After is written: "seconds" (default),
	// "http-date", "missing" or "garbage".
	RetryAfter string
	// NoHeaders leaves out X-RateLimit-Limit/Remaining/Reset.
	NoHeaders bool

	mu      sync.Mutex
	windows map[string]*rlWindow
}

type rlWindow struct {
	start time.Time
	count int
}

// Kind implements Fault.
func (*rateLimitFault) Kind() string { return "rate_limit" }

// Reset empties every window (Handler.Reset calls it).
func (l *rateLimitFault) Reset() {
	l.mu.Lock()
	l.windows = nil
	l.mu.Unlock()
}

// take counts one request for key and reports whether it is allowed, how
// many remain, and when the window resets.
func (l *rateLimitFault) take(key string, now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*rlWindow{}
	}
	if len(l.windows) >= maxWindows {
		l.prune(now)
	}
	win := l.windows[key]
	if win == nil || now.Sub(win.start) >= l.Window {
		win = &rlWindow{start: now}
		l.windows[key] = win
	}
	win.count++
	reset = win.start.Add(l.Window)
	return win.count <= l.Limit, max(0, l.Limit-win.count), reset
}

// maxWindows bounds the per-key windows kept: past it, expired ones are
// dropped, so clients sending random keys cannot grow memory without end.
const maxWindows = 10000

// prune drops windows that have passed (l.mu held).
func (l *rateLimitFault) prune(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.Window {
			delete(l.windows, k)
		}
	}
}

// Serve implements Fault.
func (l *rateLimitFault) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	now := c.Now()
	ok, remaining, reset := l.take(When{Per: l.Key}.scopeKey(r), now)
	wait := reset.Sub(now)
	secs := int(math.Ceil(wait.Seconds()))
	if !l.NoHeaders {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(l.Limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	if ok {
		c.Note("rate_limit", "allowed", true)
		c.Next.ServeHTTP(w, r)
		return
	}
	c.Note("rate_limit", "retry_after", l.retryAfter(w, reset, secs))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"error":{"type":"rate_limited","message":"Too many requests"}}`))
}

// retryAfter sets the Retry-After header in the configured form and returns
// what was sent: the seconds until reset, rounded up, or the reset instant
// as an HTTP-date, rounded up to the whole second the format can carry (a
// date cut down to its second would come before the reset, and a client
// that honours it exactly would be refused again).
func (l *rateLimitFault) retryAfter(w http.ResponseWriter, reset time.Time, secs int) string {
	var v string
	switch l.RetryAfter {
	case "missing":
		return "(missing)"
	case "garbage":
		v = "soon-ish"
	case "http-date":
		at := reset.Truncate(time.Second)
		if at.Before(reset) {
			at = at.Add(time.Second)
		}
		v = at.UTC().Format(http.TimeFormat)
	default:
		v = strconv.Itoa(secs)
	}
	w.Header().Set("Retry-After", v)
	return v
}

type rateLimitFile struct {
	Limit      int            `yaml:"limit"`
	Window     yamlx.Duration `yaml:"window"`
	Key        string         `yaml:"key"`
	RetryAfter string         `yaml:"retry_after"`
	Headers    *bool          `yaml:"headers"`
}

func decodeRateLimit(d *params) (Fault, error) {
	rf := rateLimitFile{Window: yamlx.Duration(time.Second)}
	if err := d.Into(&rf); err != nil {
		return nil, err
	}
	if rf.Limit < 0 {
		return nil, d.ErrorfKey("limit", "must not be negative")
	}
	if rf.Window <= 0 {
		return nil, d.ErrorfKey("window", "must be positive, e.g. 1s")
	}
	switch rf.RetryAfter {
	case "", "seconds", "http-date", "missing", "garbage":
	default:
		return nil, d.ErrorfKey("retry_after", "%q: use seconds, http-date, missing or garbage", rf.RetryAfter)
	}
	if rf.Key != "" && rf.Key != "ip" && rf.Key != "route" && !strings.HasPrefix(rf.Key, "header:") {
		return nil, d.ErrorfKey("key", "%q: use ip, route, or header:Name (e.g. header:X-Api-Key)", rf.Key)
	}
	return &rateLimitFault{Limit: rf.Limit, Window: rf.Window.D(), Key: rf.Key, RetryAfter: rf.RetryAfter,
		NoHeaders: rf.Headers != nil && !*rf.Headers}, nil
}
