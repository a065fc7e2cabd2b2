package resilience

import (
	"sync"
	"time"
)

// latencies keeps how long the upstream took to answer its recent
// attempts, to tell when an attempt is unlikely to finish before its
// call's deadline (timeouts.min_fit).
//
// An attempt the upstream answers after the caller gave up holds the
// caller (and the upstream) for nothing: when a slow upstream builds a
// queue in front of the caller's workers, every call taken from it has
// less time left, and attempts that cannot finish crowd out those that
// could. So an attempt is sent only when at least min_fit of the recent
// answers came within the time the call has left; otherwise the call fails
// at once with ErrDeadline and frees its caller. Only answers count (an
// attempt cut short says only that the answer took longer), at most the
// last [latencySamples] and none older than [latencyMemory], so that a
// slow spell is forgotten even when every call is short: with fewer than
// [latencyMinSamples] every attempt is sent.
type latencies struct {
	mu   sync.Mutex
	ring [latencySamples]latencySample
	n    int // samples in ring, up to its length
	next int // where the next sample goes
}

type latencySample struct {
	at   time.Time // when the answer came
	took time.Duration
}

const (
	latencySamples    = 32
	latencyMinSamples = 8
	latencyMemory     = 10 * time.Second
)

// add records an answer that came at at after took.
func (l *latencies) add(at time.Time, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = latencySample{at, took}
	l.next = (l.next + 1) % len(l.ring)
	l.n = min(l.n+1, len(l.ring))
}

// fit returns the share of the recent answers (at now) that took at most
// left, and how many answers that share is of; 1 when too few are known.
func (l *latencies) fit(now time.Time, left time.Duration) (share float64, of int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	within := 0
	for _, s := range l.ring[:l.n] {
		if now.Sub(s.at) > latencyMemory {
			continue
		}
		of++
		if s.took <= left {
			within++
		}
	}
	if of < latencyMinSamples {
		return 1, of
	}
	return float64(within) / float64(of), of
}
