package resilience

import (
	"sync"
	"time"
)

// budget is a retry budget in the style of Finagle's: over a sliding
// window, retries may add at most Ratio of the calls made, plus a floor of
// MinPerSecond retries per second, so that a client making few calls can
// still retry. It bounds what retries add to the load on the upstream
// (amplification at most 1 + Ratio once calls outnumber the floor),
// whatever the failure rate: an ordinary bad day (a fifth of attempts
// failing) is retried through, and an outage is not multiplied.
//
// The window rolls in ten buckets. A nil budget allows everything.
type budget struct {
	mu      sync.Mutex
	ratio   float64
	reserve float64       // retries always allowed per window
	bucket  time.Duration // window / len(calls)
	calls   [10]float64
	retries [10]float64
	last    int64 // index of the newest bucket (time / bucket)
}

func newBudget(p BudgetPolicy) *budget {
	if !p.Enabled {
		return nil
	}
	w := max(p.Window, 10*time.Millisecond)
	return &budget{ratio: p.Ratio, reserve: p.MinPerSecond * w.Seconds(), bucket: w / 10}
}

// roll moves the window to now, emptying the buckets that left it.
// Callers hold b.mu.
func (b *budget) roll(now time.Time) int {
	idx := now.UnixNano() / int64(b.bucket)
	n := int64(len(b.calls))
	if idx > b.last {
		for i := b.last + 1; i <= idx && i <= b.last+n; i++ {
			b.calls[i%n], b.retries[i%n] = 0, 0
		}
		b.last = idx
	}
	return int(b.last % n)
}

// onCall counts a call's first attempt.
func (b *budget) onCall(now time.Time) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[b.roll(now)]++
}

// tryRetry takes a retry from the budget if one is left.
func (b *budget) tryRetry(now time.Time) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i := b.roll(now)
	var calls, retries float64
	for k := range b.calls {
		calls += b.calls[k]
		retries += b.retries[k]
	}
	if retries+1 > b.ratio*calls+b.reserve {
		return false
	}
	b.retries[i]++
	return true
}
