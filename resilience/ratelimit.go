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
	windowEnd time.Time // when the server's window refused at the cut ends
	throttled bool
	sent      [10]float64 // requests let through per tenth of a second
	sentAt    int64       // index of the newest tenth (time / 100ms)
}

const tenth = 100 * time.Millisecond

// count records a request let through at now and returns how many were in
// the last second. Callers hold l.mu.
func (l *limiter) count(now time.Time, n float64) float64 {
	idx := now.UnixNano() / int64(tenth)
	if idx > l.sentAt {
		for i := l.sentAt + 1; i <= idx && i <= l.sentAt+10; i++ {
			l.sent[i%10] = 0
		}
		l.sentAt = idx
	}
	l.sent[l.sentAt%10] += n
	var sum float64
	for _, v := range l.sent {
		sum += v
	}
	return sum
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
	defer l.mu.Unlock()
	l.apply(now, l.current(now))
	l.count(now, 1)
	if l.lim.AllowN(now, 1) {
		return 0, nil
	}
	r := l.lim.ReserveN(now, 1)
	return r.DelayFrom(now), func(at time.Time) {
		r.CancelAt(at)
		l.mu.Lock()
		l.count(at, -1)
		l.mu.Unlock()
	}
}

// throttle cuts the rate after a 429 to a request sent at sent; window is
// how long the server's window has left (see windowLeft), zero if it did
// not say. A 429 says nothing new about the rate when it answers a request
// sent before the last cut (five callers throttled at once make one cut,
// as TCP cuts its window once per round trip), or sent before the server's
// announced window passed: the server refuses the rest of a window whatever
// the rate, so one window cuts the rate once, however many requests it
// refused.
//
// It does not hold other calls until the window passes: the refused call
// waits for its own Retry-After, and the cut rate paces the rest. Holding
// the whole host for the rounded-up Retry-After (the window often resets
// sooner) stalled every caller behind one refusal: on the bad day of
// bench/goodput that cost 10-15 points of goodput.
func (l *limiter) throttle(sent, now time.Time, window time.Duration) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.throttled && sent.Before(l.cutAt)) || sent.Before(l.windowEnd) {
		return
	}
	// Cut from the rate actually sent, not from a ceiling never reached:
	// halving a limit of 100/s does nothing to a client sending 45/s.
	base := min(l.current(now), max(l.count(now, 0), l.p.MinRate))
	l.low = max(base*l.p.BackoffFactor, l.p.MinRate)
	l.cutAt, l.throttled = now, true
	l.windowEnd = now.Add(window)
	l.apply(now, l.low)
}

// rate returns the rate in force at now, for tests and metrics.
func (l *limiter) rate(now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current(now)
}
