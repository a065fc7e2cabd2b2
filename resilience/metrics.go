package resilience

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Metrics is a snapshot of what a Client has done since New.
type Metrics struct {
	Calls int64 `json:"calls"`
	// Attempts counts requests sent, including the replays Go's transport
	// makes by itself when a kept-alive connection turns out closed.
	Attempts  int64 `json:"attempts"`
	Retries   int64 `json:"retries"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	Fallbacks int64 `json:"fallbacks"` // calls answered by a fallback (counted in Succeeded)
	// Outcomes counts attempt outcomes by class (ClassRejected: refused
	// locally, not sent).
	Outcomes map[Class]int64 `json:"outcomes"`
	// Failures counts failed calls by reason ("circuit open", ...).
	Failures    map[string]int64 `json:"failures"`
	Transitions []Transition     `json:"breaker_transitions"`
	// Call latency percentiles over the most recent calls.
	LatencyP50 time.Duration `json:"latency_p50"`
	LatencyP95 time.Duration `json:"latency_p95"`
	LatencyP99 time.Duration `json:"latency_p99"`
}

// Transition is a circuit breaker changing state.
type Transition struct {
	Breaker string    `json:"breaker"` // the host or Request.Name
	From    string    `json:"from"`    // closed, open or half-open
	To      string    `json:"to"`
	At      time.Time `json:"at"`
}

const (
	latencyWindow  = 4096
	maxTransitions = 256
)

type recorder struct {
	calls, attempts, retries, succeeded, failed, fallbacks atomic.Int64
	outcomes                                               [numClasses]atomic.Int64

	mu          sync.Mutex
	failures    map[string]int64
	transitions []Transition
	latencies   [latencyWindow]time.Duration
	nLatencies  int
}

func (r *recorder) finish(d time.Duration, err error, fallback bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[r.nLatencies%latencyWindow] = d
	r.nLatencies++
	switch {
	case err == nil:
		r.succeeded.Add(1)
		if fallback {
			r.fallbacks.Add(1)
		}
	default:
		r.failed.Add(1)
		if r.failures == nil {
			r.failures = map[string]int64{}
		}
		r.failures[reasonOf(err)]++
	}
}

func reasonOf(err error) string {
	if e, ok := err.(*Error); ok && e.reason != nil {
		return e.reason.Error()
	}
	return "other"
}

func (r *recorder) transition(at time.Time, name string, from, to gobreaker.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.transitions) == maxTransitions {
		r.transitions = slices.Delete(r.transitions, 0, 1)
	}
	r.transitions = append(r.transitions, Transition{Breaker: name, From: from.String(), To: to.String(), At: at})
}

func (r *recorder) snapshot() Metrics {
	m := Metrics{
		Calls: r.calls.Load(), Attempts: r.attempts.Load(), Retries: r.retries.Load(),
		Succeeded: r.succeeded.Load(), Failed: r.failed.Load(), Fallbacks: r.fallbacks.Load(),
		Outcomes: map[Class]int64{}, Failures: map[string]int64{},
	}
	for c := range numClasses {
		if n := r.outcomes[c].Load(); n > 0 {
			m.Outcomes[c] = n
		}
	}
	r.mu.Lock()
	for k, v := range r.failures {
		m.Failures[k] = v
	}
	m.Transitions = slices.Clone(r.transitions)
	lat := slices.Clone(r.latencies[:min(r.nLatencies, latencyWindow)])
	r.mu.Unlock()
	slices.Sort(lat)
	m.LatencyP50, m.LatencyP95, m.LatencyP99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	return m
}

// percentile returns the nearest-rank percentile p of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}
