package resilience

import (
	"context"
	"time"
)

// bulkhead caps attempts in flight to one host. A nil bulkhead admits all.
type bulkhead struct {
	slots chan struct{}
	wait  time.Duration
}

func newBulkhead(p BulkheadPolicy) *bulkhead {
	if !p.Enabled {
		return nil
	}
	return &bulkhead{slots: make(chan struct{}, p.MaxInFlight), wait: p.MaxWait}
}

// acquire takes a slot, waiting at most b.wait on clock, and says whether it
// had to wait. It returns ErrBulkheadFull when the wait ran out, or ctx's
// error.
func (b *bulkhead) acquire(ctx context.Context, clock Clock) (waited bool, err error) {
	if b == nil {
		return false, nil
	}
	select {
	case b.slots <- struct{}{}:
		return false, nil
	default:
	}
	if b.wait <= 0 {
		return false, ErrBulkheadFull
	}
	wctx, cancel := context.WithCancel(ctx)
	timedOut := make(chan error, 1)
	go func() { timedOut <- clock.Sleep(wctx, b.wait) }()
	select {
	case b.slots <- struct{}{}:
		cancel()
		<-timedOut
		return true, nil
	case err := <-timedOut:
		cancel()
		if err != nil {
			return true, err
		}
		return true, ErrBulkheadFull
	}
}

func (b *bulkhead) release() {
	if b != nil {
		<-b.slots
	}
}
