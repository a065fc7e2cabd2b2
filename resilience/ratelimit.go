package resilience

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is an adaptive token bucket for one host: a 429 cuts the rate,
// which then climbs back linearly to the configured rate over p.Recovery.
// A nil limiter admits all.
type limiter struct {
	mu        sync.Mutex
	lim       *rate.Limiter
	p         RateLimitPolicy
	low       float64   // rate right after the last cut
	cutAt     time.Time // when it was cut
	throttled bool
}

func newLimiter(p RateLimitPolicy) *limiter {
	if !p.Enabled {
		return nil
	}
	return &limiter{lim: rate.NewLimiter(rate.Limit(p.Rate), p.Burst), p: p}
}

// current returns the rate in force at now. Callers hold l.mu.
func (l *limiter) current(now time.Time) float64 {
	if !l.throttled {
		return l.p.Rate
	}
	elapsed := now.Sub(l.cutAt)
	if l.p.Recovery <= 0 || elapsed >= l.p.Recovery {
		l.throttled = false
		return l.p.Rate
	}
	frac := float64(max(elapsed, 0)) / float64(l.p.Recovery)
	return l.low + (l.p.Rate-l.low)*frac
}

// apply sets the limiter's rate and a burst scaled with it. Callers hold l.mu.
func (l *limiter) apply(now time.Time, r float64) {
	if rate.Limit(r) == l.lim.Limit() {
		return
	}
	burst := max(1, int(float64(l.p.Burst)*r/l.p.Rate))
	l.lim.SetLimitAt(now, rate.Limit(r))
	l.lim.SetBurstAt(now, burst)
}

// delay reserves a token at now and returns how long to wait before using
// it, and a function that gives the token back if the caller gives up.
func (l *limiter) delay(now time.Time) (time.Duration, func(time.Time)) {
	if l == nil {
		return 0, nil
	}
	l.mu.Lock()
	l.apply(now, l.current(now))
	l.mu.Unlock()
	if l.lim.AllowN(now, 1) {
		return 0, nil
	}
	r := l.lim.ReserveN(now, 1)
	return r.DelayFrom(now), r.CancelAt
}

// throttle cuts the rate after a 429 to a request sent at sent. A 429 to a
// request sent before the last cut says nothing about the new rate, so it
// does not cut again: five callers throttled at once make one cut, not five
// (as TCP cuts its window once per round trip).
func (l *limiter) throttle(sent, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.throttled && sent.Before(l.cutAt) {
		return
	}
	l.low = max(l.current(now)*l.p.BackoffFactor, l.p.MinRate)
	l.cutAt, l.throttled = now, true
	l.apply(now, l.low)
}

// rate returns the rate in force at now, for tests and metrics.
func (l *limiter) rate(now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current(now)
}
