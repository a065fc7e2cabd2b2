package resilience

import "sync"

// budget is gRPC-style retry throttling for one host: failed attempts take a
// token, successes give back a fraction, and retries stop while half the
// bucket or less remains. A nil budget allows everything.
type budget struct {
	mu                 sync.Mutex
	tokens, max, ratio float64
}

func newBudget(p BudgetPolicy) *budget {
	if !p.Enabled {
		return nil
	}
	return &budget{tokens: p.MaxTokens, max: p.MaxTokens, ratio: p.TokenRatio}
}

// onFailure takes a token for a failed attempt and says whether a retry
// may follow, in one step, so that callers failing at the same moment see
// the bucket drain one by one (as gRPC's throttle does).
func (b *budget) onFailure() (retryAllowed bool) {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = max(b.tokens-1, 0)
	return b.tokens > b.max/2
}

func (b *budget) onSuccess() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.tokens = min(b.tokens+b.ratio, b.max)
	b.mu.Unlock()
}
