package resilience

import (
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"
)

// breaker is one gobreaker per upstream. Attempts report their outcome:
// nil (a success, or a client error: a 404 is not an outage), errOutage
// (transient or ambiguous), or errExcluded (rate limiting, local rejection,
// the caller giving up), which counts neither way.
type breaker = gobreaker.TwoStepCircuitBreaker[struct{}]

var (
	errOutage   = errors.New("upstream failure")
	errExcluded = errors.New("not the upstream's fault")
)

func newBreaker(name string, p BreakerPolicy, onChange func(name string, from, to gobreaker.State)) *breaker {
	if !p.Enabled {
		return nil
	}
	st := gobreaker.Settings{
		Name:          name,
		MaxRequests:   uint32(p.HalfOpenProbes),
		Interval:      p.Window,
		Timeout:       p.OpenTimeout,
		ReadyToTrip:   tripper(p),
		OnStateChange: onChange,
		IsExcluded:    func(err error) bool { return errors.Is(err, errExcluded) },
	}
	if p.Window > 0 && p.Buckets > 1 {
		st.BucketPeriod = p.Window / time.Duration(p.Buckets)
	}
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](st)
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
