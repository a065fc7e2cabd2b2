package resilience

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// quota follows a quota the server announces (X-RateLimit-Limit and
// -Remaining, or RateLimit-Limit and -Remaining, with a Reset), so that the
// client does not send requests into a window the server has said is
// spent. Each such request comes back 429 with a Retry-After in whole
// seconds; honoured, it holds the caller for up to a second past the
// window's end, and a call with less time left fails. After an outage the
// whole queued backlog would go out at once into one window: this lets the
// window's quota through and holds the rest for the next one.
//
// While the window has quota left, requests pass (each takes one; those in
// flight are counted, as the server counts a request only when it arrives).
// Once it is spent, requests wait for its end. The end is known only within
// bounds: the Reset header (Unix seconds, cut down), the Retry-After of a
// refusal (whole seconds, rounded up), the last request the window refused
// (it had not ended then), and the window's length, learnt from earlier
// windows (a fixed window starts at the first request after the last one
// ended: the response saying Limit-1 remain). One waiting request goes as
// a probe at the middle of the bounds. Its success ends the wait; its
// refusal (it waits its own Retry-After, like any refused request) leaves
// the others waiting for the upper bound, so that a spent window refuses
// at most one request. Either answer teaches the window's length (a
// refusal: longer than that; a new window: no longer than from one start
// to the next), so the bounds, and the wait past the end, shrink as the
// client learns the server's windows.
//
// A server that announces no quota leaves the quota off. A nil quota
// admits all.
type quota struct {
	mu       sync.Mutex
	on       bool // the server announced its quota
	limit    int
	left     int // requests the current window still takes, less those in flight
	inflight int
	spent    bool
	lo, hi   time.Time // a spent window ends within [lo, hi]
	probing  bool      // a probe is in flight

	// The current window began within [startLo, start] (zero: unknown);
	// startR is its Reset (zero: none). Its length lies within [wLo, wHi]
	// (wHi zero: unknown).
	startLo, start time.Time
	startR         int64
	wLo, wHi       time.Duration
	lastR          int64 // the Reset of the latest answer (zero: none)
	// The latest window's Reset and the fewest requests it said remain.
	curR, curRem int64
}

// quotaPoll is how often a request held while a probe is out looks again.
const quotaPoll = 5 * time.Millisecond

func newQuota(p RateLimitPolicy) *quota {
	if !p.Enabled || !p.FollowQuota {
		return nil
	}
	return &quota{}
}

// admit asks to send a request at now. It returns how long to wait before
// asking again (zero: send now), and whether the request goes as the
// probe of a spent window. A request admitted must be reported to done or
// cancel.
func (q *quota) admit(now time.Time) (wait time.Duration, probe bool) {
	if q == nil {
		return 0, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.spent && !now.Before(q.hi) {
		q.reopen()
	}
	if !q.spent {
		q.inflight++
		q.left--
		if q.on && q.left <= 0 {
			q.spend(now)
		}
		return 0, false
	}
	if at := q.probeAt(); now.Before(at) {
		return at.Sub(now), false
	}
	if q.probing {
		return quotaPoll, false
	}
	q.probing = true
	q.inflight++
	return 0, true
}

// probeAt is when the next probe of a spent window goes: the middle of
// the bounds on its end.
func (q *quota) probeAt() time.Time { return q.lo.Add(q.hi.Sub(q.lo) / 2) }

// reopen ends a spent window: the next one's quota is whole, less the
// requests still in flight.
func (q *quota) reopen() {
	q.spent = false
	q.left = q.limit - q.inflight
	q.lastR = 0 // the last window's
}

// spend marks the window spent at now, with what is known of its end.
func (q *quota) spend(now time.Time) {
	q.spent = true
	q.lo, q.hi = now, now.Add(time.Second) // a guess, when nothing is known
	if r := time.Unix(q.lastR, 0); q.lastR != 0 && r.Add(time.Second).After(now) {
		q.lo, q.hi = later(q.lo, r), r.Add(time.Second)
	}
	if !q.start.IsZero() && q.startR == q.lastR {
		if q.wLo > 0 {
			q.lo = later(q.lo, q.startLo.Add(q.wLo))
		}
		if q.wHi > 0 {
			q.hi = earlier(q.hi, q.start.Add(q.wHi))
		}
	}
	if q.hi.Before(q.lo) {
		q.hi = q.lo
	}
}

// cancel returns an admission that sent nothing.
func (q *quota) cancel(probe bool) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight--
	q.left++
	if probe {
		q.probing = false
	}
}

// done reports the answer to a request sent at sent and answered at now
// (h is nil when none came).
func (q *quota) done(sent, now time.Time, probe bool, status int, h http.Header) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight--
	if probe {
		q.probing = false
	}
	limit, okL := headerInt(h, "X-RateLimit-Limit", "RateLimit-Limit")
	rem, okR := headerInt(h, "X-RateLimit-Remaining", "RateLimit-Remaining")
	if !okL || !okR || limit <= 0 || rem < 0 {
		return
	}
	q.on, q.limit = true, int(limit)
	reset, _ := headerInt(h, "X-RateLimit-Reset", "RateLimit-Reset")
	if reset < 1e9 || !time.Unix(reset+1, 0).After(sent) {
		reset = 0 // not a Unix time, or a clock that disagrees with ours
	}
	began := rem == limit-1 && status != http.StatusTooManyRequests
	if (!began && !q.start.IsZero() && sent.Before(q.startLo)) || reset < q.curR {
		return // an answer from a window before the current one
	}
	// Answers come back out of order: within a window, the fewest
	// remaining is the truth.
	if !began && reset == q.curR {
		rem = min(rem, q.curRem)
	}
	q.curR, q.curRem, q.lastR = reset, rem, reset
	if status == http.StatusTooManyRequests || rem == 0 {
		q.refused(sent, now, reset, status, h)
		if probe && status == http.StatusTooManyRequests {
			q.lo = q.hi // no second probe: a window refuses at most one
		}
		return
	}
	if began { // this request began a window: the last one had ended
		if !q.start.IsZero() {
			q.learn(q.wLo, now.Sub(q.startLo))
		}
		q.startLo, q.start, q.startR = sent, now, reset
	}
	q.spent = false
	q.left = int(rem) - q.inflight
	if q.left <= 0 {
		q.spend(now)
	}
}

// refused handles a 429, or the last request a window takes: the window
// had not ended when the request arrived (at sent or later).
func (q *quota) refused(sent, now time.Time, reset int64, status int, h http.Header) {
	if !q.start.IsZero() && (reset == 0 || reset == q.startR) {
		q.learn(sent.Sub(q.start), q.wHi)
	}
	if !q.spent {
		q.spend(sent)
	}
	q.lo = later(q.lo, sent)
	if status == http.StatusTooManyRequests {
		if ra, ok := parseRetryAfter(h, now); ok && ra > 0 {
			q.hi = earlier(q.hi, now.Add(ra))
		}
	}
	if reset != 0 {
		r := time.Unix(reset, 0)
		q.lo, q.hi = later(q.lo, r), earlier(q.hi, r.Add(time.Second))
	}
	if q.hi.Before(q.lo) { // the bounds disagree: trust the latest refusal
		q.hi = q.lo.Add(time.Second)
	}
}

// learn narrows the bounds on the window's length; bounds that cross mean
// the server's windows are not what was learnt (it changed, or it is not
// a fixed window): start over.
func (q *quota) learn(lo, hi time.Duration) {
	lo = max(lo, q.wLo)
	if q.wHi > 0 && (hi <= 0 || hi > q.wHi) {
		hi = q.wHi
	}
	if hi > 0 && hi < lo {
		lo, hi = 0, 0
	}
	q.wLo, q.wHi = lo, hi
}

func headerInt(h http.Header, names ...string) (int64, bool) {
	for _, name := range names {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// following reports whether the server announced a quota the client follows.
func (q *quota) following() bool {
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.on
}
