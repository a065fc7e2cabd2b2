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

func (b *budget) onFailure() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.tokens = max(b.tokens-1, 0)
	b.mu.Unlock()
}

func (b *budget) onSuccess() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.tokens = min(b.tokens+b.ratio, b.max)
	b.mu.Unlock()
}

// allowRetry reports whether a retry may be sent now.
func (b *budget) allowRetry() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens > b.max/2
}
