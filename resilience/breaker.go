package resilience

import (
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// breaker is one gobreaker per upstream, and when its open state ends.
// Attempts report their outcome: nil (a success, or a client error: a 404
// is not an outage), errOutage (transient or ambiguous), or errExcluded
// (rate limiting, local rejection, the caller giving up), which counts
// neither way.
//
// The breaker is consulted when an attempt is about to be sent, after the
// rate limiter and the bulkhead: a call admitted before an outage and
// sent into it after waiting sees the breaker as it is then. A call the
// breaker refuses may wait for the next probe instead of failing (see
// Client.holdForBreaker).
type breaker struct {
	cb   *gobreaker.TwoStepCircuitBreaker[struct{}]
	open time.Duration

	mu      sync.Mutex
	probeAt time.Time     // when an open breaker lets a probe through
	changed chan struct{} // closed (and replaced) when the state changes
}

var (
	errOutage   = errors.New("upstream failure")
	errExcluded = errors.New("not the upstream's fault")
)

func newBreaker(name string, p BreakerPolicy, clock Clock, onChange func(name string, from, to gobreaker.State)) *breaker {
	if !p.Enabled {
		return nil
	}
	b := &breaker{open: p.OpenTimeout, changed: make(chan struct{})}
	st := gobreaker.Settings{
		Name:        name,
		MaxRequests: uint32(p.HalfOpenProbes),
		Interval:    p.Window,
		Timeout:     p.OpenTimeout,
		ReadyToTrip: tripper(p),
		OnStateChange: func(name string, from, to gobreaker.State) {
			b.mu.Lock()
			if to == gobreaker.StateOpen {
				b.probeAt = clock.Now().Add(p.OpenTimeout)
			}
			close(b.changed)
			b.changed = make(chan struct{})
			b.mu.Unlock()
			onChange(name, from, to)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
	}
	if p.Window > 0 && p.Buckets > 1 {
		st.BucketPeriod = p.Window / time.Duration(p.Buckets)
	}
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](st)
	return b
}

// openFor returns how long the breaker stays open after now: zero when it
// is closed or half-open (or nil).
func (b *breaker) openFor(now time.Time) time.Duration {
	if b == nil || b.cb.State() != gobreaker.StateOpen {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.probeAt.Sub(now), 0)
}

// allow asks to send an attempt. When refused, it returns how long until
// an open breaker lets a probe through (zero when half-open and its probes
// are out: their verdict is due soon), and a channel closed at the
// breaker's next change of state (the probe's verdict).
func (b *breaker) allow(now time.Time) (done func(error), wait time.Duration, change <-chan struct{}, err error) {
	if b == nil {
		return func(error) {}, 0, nil, nil
	}
	change = b.nextChange() // before asking, so that no change is missed
	done, err = b.cb.Allow()
	if err != nil {
		return nil, b.openFor(now), change, err
	}
	return done, 0, nil, nil
}

// nextChange returns a channel closed when the state next changes.
func (b *breaker) nextChange() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// tripper trips on consecutive failures or on the failure ratio once the
// window holds enough attempts.
func tripper(p BreakerPolicy) func(gobreaker.Counts) bool {
	return func(c gobreaker.Counts) bool {
		if p.ConsecutiveFailures > 0 && c.ConsecutiveFailures >= uint32(p.ConsecutiveFailures) {
			return true
		}
		decided := c.TotalSuccesses + c.TotalFailures
		if p.FailureRatio <= 0 || decided < uint32(max(p.MinRequests, 1)) {
			return false
		}
		return float64(c.TotalFailures)/float64(decided) >= p.FailureRatio
	}
}

// verdict is what an attempt's outcome tells the breaker.
func (o *outcome) verdict() error {
	switch {
	case o.callerGone:
		return errExcluded
	case o.class == ClassTransient || o.class == ClassAmbiguous:
		return errOutage
	case o.class == ClassRateLimited || o.class == ClassRejected:
		return errExcluded
	}
	return nil
}
