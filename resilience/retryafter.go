package resilience

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxHeaderWait bounds any wait read from a header, so absurd values cannot
// overflow time.Duration.
const maxHeaderWait = 365 * 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delta-seconds (fractions
// accepted) or an HTTP-date in any of the three forms of RFC 9110 (IMF-fixdate,
// RFC 850, asctime). A date is measured from the response's Date header when
// it has one, so a skewed local clock does not stretch the wait, else from
// now. A date in the past means no wait. ok is false when the value is
// absent or unreadable.
func parseRetryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if d, ok := parseSeconds(v); ok {
		return d, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	ref := now
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		ref = date
	}
	return clampWait(at.Sub(ref)), true
}

// parseRateLimitReset reads RateLimit-Reset or X-RateLimit-Reset, which
// upstreams send as seconds to wait or as a Unix time in seconds.
func parseRateLimitReset(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{"RateLimit-Reset", "X-RateLimit-Reset"} {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if f > 1e9 { // a Unix timestamp
			return clampWait(time.Unix(int64(f), 0).Sub(now)), true
		}
		return clampWait(time.Duration(f * float64(time.Second))), true
	}
	return 0, false
}

func parseSeconds(v string) (time.Duration, bool) {
	if v[0] < '0' || v[0] > '9' {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	if f > maxHeaderWait.Seconds() {
		return maxHeaderWait, true
	}
	return time.Duration(f * float64(time.Second)), true
}

func clampWait(d time.Duration) time.Duration {
	return min(max(d, 0), maxHeaderWait)
}

// windowLeft estimates how long the server's rate-limit window, which
// refused a request at now with Retry-After ra, has left. Retry-After in
// whole seconds is rounded up, so the window ends within (ra-1s, ra]; an
// X-RateLimit-Reset Unix time is cut down to its second, so it ends within
// [reset, reset+1s). When both are given and agree, the end lies in both:
// the earliest instant not before it is the sooner of the two upper
// bounds. Otherwise ra stands.
func windowLeft(h http.Header, now time.Time, ra time.Duration) time.Duration {
	reset, ok := resetUnix(h)
	if !ok {
		return ra
	}
	lo := max(ra-time.Second, reset.Sub(now))
	hi := min(ra, reset.Add(time.Second).Sub(now))
	if hi < lo {
		return ra
	}
	return clampWait(hi)
}

// resetUnix reads an X-RateLimit-Reset (or RateLimit-Reset) given as a
// Unix time in whole seconds.
func resetUnix(h http.Header) (time.Time, bool) {
	for _, name := range []string{"RateLimit-Reset", "X-RateLimit-Reset"} {
		v := strings.TrimSpace(h.Get(name))
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 1e9 {
			return time.Unix(n, 0), true
		}
	}
	return time.Time{}, false
}
